//! Money: `Decimal` yuan in the domain and on the wire, integer fen (分) in
//! storage so sums are exact on every backend.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A non-negative amount of yuan with at most two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "50000.00"))]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Money(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must not be negative")]
    Negative,
    #[error("must have at most two decimals (fen)")]
    TooPrecise,
    #[error("is too large")]
    TooLarge,
}

/// The largest amount stored: fits in an i64 of fen with a wide margin for sums.
const MAX_YUAN: i64 = 1_000_000_000_000; // 1 万亿 yuan

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    pub fn from_yuan(yuan: Decimal) -> Result<Self, MoneyError> {
        if yuan.is_sign_negative() && !yuan.is_zero() {
            return Err(MoneyError::Negative);
        }
        if yuan.normalize().scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        if yuan > Decimal::from(MAX_YUAN) {
            return Err(MoneyError::TooLarge);
        }
        // Always two decimals: an amount reads the same however it was typed.
        let mut yuan = yuan.normalize();
        yuan.rescale(2);
        Ok(Self(yuan))
    }

    pub fn from_fen(fen: i64) -> Result<Self, MoneyError> {
        Self::from_yuan(Decimal::new(fen, 2))
    }

    pub fn yuan(self) -> Decimal {
        self.0
    }

    pub fn fen(self) -> i64 {
        // In range by construction: at most MAX_YUAN with two decimals.
        let fen = self.0 * Decimal::ONE_HUNDRED;
        i64::try_from(fen).unwrap_or(i64::MAX)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;
    fn try_from(d: Decimal) -> Result<Self, Self::Error> {
        Self::from_yuan(d)
    }
}

impl From<Money> for Decimal {
    fn from(m: Money) -> Self {
        m.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    #[test]
    fn yuan_convert_to_fen_exactly() {
        let m = Money::from_yuan(Decimal::from_str("50000.05").unwrap()).unwrap();
        assert_eq!(m.fen(), 5_000_005);
        assert_eq!(m.to_string(), "50000.05");
    }

    #[test]
    fn negative_too_precise_and_huge_amounts_are_refused() {
        assert_eq!(
            Money::from_yuan(Decimal::from(-1)),
            Err(MoneyError::Negative)
        );
        assert_eq!(
            Money::from_yuan(Decimal::from_str("1.005").unwrap()),
            Err(MoneyError::TooPrecise)
        );
        assert_eq!(
            Money::from_yuan(Decimal::from(MAX_YUAN) + Decimal::ONE),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn trailing_zeros_do_not_count_as_precision_and_amounts_keep_two_decimals() {
        let m = Money::from_yuan(Decimal::from_str("12.3000").unwrap()).unwrap();
        assert_eq!(m.yuan().to_string(), "12.30");
        assert_eq!(Money::from_fen(500).unwrap().yuan().to_string(), "5.00");
    }

    proptest! {
        #[test]
        fn fen_round_trip(fen in 0i64..=MAX_YUAN * 100) {
            prop_assert_eq!(Money::from_fen(fen).unwrap().fen(), fen);
        }
    }
}
