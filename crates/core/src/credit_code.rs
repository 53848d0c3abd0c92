//! The unified social credit code (统一社会信用代码) of GB 32100-2015.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The 31 characters the standard uses (no I, O, Z, S, V), in value order.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1..=17 (3^(i-1) mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A valid 18-character unified social credit code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("must be 18 characters (got {0})")]
    Length(usize),
    #[error(
        "character {position} (`{found}`) is not allowed: only digits and the letters ABCDEFGHJKLMNPQRTUWXY are"
    )]
    Character { position: usize, found: char },
    #[error("characters 3 to 8 must be the digits of an administrative division code")]
    Division,
    #[error("the check character is `{found}` but should be `{expected}`: the code is mistyped")]
    Checksum { found: char, expected: char },
}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters (which must be valid).
fn check_char(body: &[u8]) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in body.iter().zip(WEIGHTS) {
        sum += value_of(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code: String = input.trim().to_ascii_uppercase();
        let len = code.chars().count();
        if len != 18 {
            return Err(CreditCodeError::Length(len));
        }
        let bytes = code.as_bytes();
        for (i, c) in code.chars().enumerate() {
            if !c.is_ascii() || value_of(c as u8).is_none() {
                return Err(CreditCodeError::Character {
                    position: i + 1,
                    found: c,
                });
            }
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(CreditCodeError::Division);
        }
        let expected = check_char(&bytes[..17]).ok_or(CreditCodeError::Length(len))?;
        let found = bytes[17] as char;
        if found != expected {
            return Err(CreditCodeError::Checksum { found, expected });
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Completes a 17-character body with its check character (for test and
    /// demo data). `None` if the body has a character outside the alphabet.
    pub fn with_check_char(body17: &str) -> Option<Self> {
        let body = body17.to_ascii_uppercase();
        if body.len() != 17 {
            return None;
        }
        let check = check_char(body.as_bytes())?;
        Self::parse(&format!("{body}{check}")).ok()
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> Self {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_codes_are_valid() {
        // Sample codes printed in public business licences and the standard's examples.
        for code in [
            "91350100M000100Y43",
            "91110000802100433B",
            "91440300708461136T",
        ] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn lower_case_and_surrounding_spaces_are_accepted() {
        let code = CreditCode::parse(" 91350100m000100y43 ").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
    }

    #[test]
    fn a_wrong_check_character_names_the_expected_one() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::Checksum {
                found: '4',
                expected: '3'
            })
        );
    }

    #[test]
    fn wrong_length_letters_and_division_are_refused() {
        assert_eq!(CreditCode::parse("9135"), Err(CreditCodeError::Length(4)));
        assert_eq!(
            CreditCode::parse("91350100I000100Y43"),
            Err(CreditCodeError::Character {
                position: 9,
                found: 'I'
            })
        );
        assert_eq!(
            CreditCode::parse("91A50100M000100Y43"),
            Err(CreditCodeError::Division)
        );
    }

    proptest! {
        #[test]
        fn any_body_completed_with_its_check_char_is_valid(body in "[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}") {
            let code = CreditCode::with_check_char(&body).unwrap();
            prop_assert!(CreditCode::parse(code.as_str()).is_ok());
        }

        #[test]
        fn changing_one_character_breaks_the_check(body in "[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}", pos in 8usize..17, delta in 1u32..31) {
            let code = CreditCode::with_check_char(&body).unwrap();
            let mut bytes = code.as_str().as_bytes().to_vec();
            let v = value_of(bytes[pos]).unwrap();
            bytes[pos] = ALPHABET[((v + delta) % 31) as usize];
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(CreditCode::parse(&typo).is_err());
        }
    }
}
