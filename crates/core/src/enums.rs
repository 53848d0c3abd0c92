//! One macro for the closed vocabularies of the domain: each value has a stable
//! snake_case code (used on the wire and in the database) and labels in Chinese
//! and English (used by the UI).

/// The code of an enum value could not be recognised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value `{value}`, expected one of: {expected}")]
pub struct UnknownCode {
    pub value: String,
    pub expected: &'static str,
}

/// What every closed vocabulary offers, for code that lists or labels values
/// of any of them (the web UI's filters and labels).
pub trait Vocabulary: Copy + 'static {
    fn all() -> &'static [Self];
    fn code(self) -> &'static str;
    fn label_zh(self) -> &'static str;
    fn label_en(self) -> &'static str;
}

macro_rules! domain_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used on the wire and in storage.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese label.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            /// The English label.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }
        }

        impl $crate::enums::Vocabulary for $name {
            fn all() -> &'static [Self] {
                Self::ALL
            }
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn label_zh(self) -> &'static str {
                $name::label_zh(self)
            }
            fn label_en(self) -> &'static str {
                $name::label_en(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::enums::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::enums::UnknownCode {
                        value: s.to_owned(),
                        expected: concat!($($code, " "),+).trim_ascii_end(),
                    }),
                }
            }
        }
    };
}

pub(crate) use domain_enum;

#[cfg(test)]
mod tests {
    use crate::CustomerStatus;

    #[test]
    fn every_code_parses_back_to_its_value() {
        for s in CustomerStatus::ALL {
            assert_eq!(s.code().parse::<CustomerStatus>(), Ok(*s));
        }
    }

    #[test]
    fn an_unknown_code_lists_the_expected_ones() {
        let err = "won".parse::<CustomerStatus>().unwrap_err();
        assert_eq!(err.value, "won");
        assert!(err.expected.contains("prospect"));
        assert!(err.expected.contains("lost"));
    }
}
