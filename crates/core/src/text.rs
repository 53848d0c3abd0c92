//! Text rules for Chinese company names: the duplicate-check key and the
//! pinyin initials used in search and numbering.

use pinyin::ToPinyin;
use unicode_normalization::UnicodeNormalization;

/// The key two names must share to be the same customer (查重): full-width
/// forms folded to half-width (NFKC), letters lower-cased, every space removed.
///
/// `"海信 集团（ＱＤ）"` and `"海信集团(qd)"` have the same key.
pub fn normalize_name(name: &str) -> String {
    // Lower-casing and dropping spaces can leave a string that is no longer in
    // NFKC (`c´` → `c` + combining accent), so repeat until nothing changes:
    // the key must be a fixed point. Real names settle in one or two rounds.
    let step = |s: &str| -> String {
        s.nfkc()
            .flat_map(char::to_lowercase)
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    let mut key = step(name);
    for _ in 0..4 {
        let next = step(&key);
        if next == key {
            break;
        }
        key = next;
    }
    key
}

/// The pinyin initials of a name, upper case: one letter per Chinese
/// character, Latin letters and digits kept as they are, everything else
/// dropped. `海信` → `HX`, `TCL王牌电器` → `TCLWPDQ`, `3M中国` → `3MZG`.
pub fn pinyin_initials(name: &str) -> String {
    name.nfkc()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c.to_ascii_uppercase())
            } else {
                c.to_pinyin()
                    .and_then(|p| p.first_letter().chars().next())
                    .map(|l| l.to_ascii_uppercase())
            }
        })
        .collect()
}

/// The form a search text takes to be matched against normalised names.
pub fn normalize_query(q: &str) -> String {
    normalize_name(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pinyin_initials_of_chinese_names() {
        assert_eq!(pinyin_initials("海信"), "HX");
        assert_eq!(pinyin_initials("深圳市齐心文具有限公司"), "SZSQXWJYXGS");
        assert_eq!(pinyin_initials("华为技术"), "HWJS");
    }

    #[test]
    fn pinyin_initials_keep_latin_letters_and_digits_and_drop_punctuation() {
        assert_eq!(pinyin_initials("TCL王牌电器"), "TCLWPDQ");
        assert_eq!(pinyin_initials("3M中国"), "3MZG");
        assert_eq!(pinyin_initials("ｉｂｍ（中国）"), "IBMZG");
        assert_eq!(pinyin_initials("  -- "), "");
    }

    #[test]
    fn normalized_names_fold_width_case_and_spaces() {
        assert_eq!(
            normalize_name("海信 集团（ＱＤ）"),
            normalize_name("海信集团(qd)")
        );
        assert_eq!(normalize_name(" IBM　China "), "ibmchina");
        assert_ne!(normalize_name("海信"), normalize_name("海尔"));
    }

    proptest! {
        #[test]
        fn normalizing_is_idempotent(name in "\\PC{0,30}") {
            let once = normalize_name(&name);
            prop_assert_eq!(normalize_name(&once), once);
        }

        #[test]
        fn initials_are_upper_case_ascii_alphanumerics(name in "\\PC{0,30}") {
            prop_assert!(pinyin_initials(&name).chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        }

        #[test]
        fn spaces_never_change_the_key(name in "[a-z海信集团 ]{0,20}") {
            prop_assert_eq!(normalize_name(&name), normalize_name(&name.replace(' ', "")));
        }
    }
}
