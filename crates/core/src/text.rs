//! Text rules for Chinese company names: the duplicate-check key, the
//! pinyin initials used in search and numbering, and the grams of the
//! customer search index.

use std::collections::BTreeSet;

use pinyin::ToPinyin;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// The key two names must share to be the same customer (查重): full-width
/// forms folded to half-width (NFKC), letters lower-cased, every space removed.
///
/// `"海信 集团（ＱＤ）"` and `"海信集团(qd)"` have the same key.
pub fn normalize_name(name: &str) -> String {
    // Lower-casing and dropping spaces can leave a string that is no longer in
    // NFKC (`c´` → `c` + combining accent), so fold until the key is a fixed
    // point. Real names are one after the first fold, which `is_folded`
    // sees without folding them again.
    let mut key = fold(name);
    for _ in 0..4 {
        if is_folded(&key) {
            break;
        }
        let next = fold(&key);
        if next == key {
            break;
        }
        key = next;
    }
    key
}

/// One round of [`normalize_name`]: NFKC, lower case, no whitespace.
fn fold(s: &str) -> String {
    let mut key = String::with_capacity(s.len());
    let mut push = |c: char| {
        if is_caseless(c) {
            key.push(c);
        } else {
            key.extend(c.to_lowercase().filter(|l| !l.is_whitespace()));
        }
    };
    if is_nfkc(s) {
        s.chars().for_each(&mut push);
    } else {
        s.nfkc().for_each(&mut push);
    }
    key
}

/// Whether [`fold`] leaves `s` as it is. A sufficient test, far cheaper
/// than folding: `false` only means "fold again and compare".
fn is_folded(s: &str) -> bool {
    s.chars().all(|c| {
        is_caseless(c) || {
            let mut lower = c.to_lowercase();
            !c.is_whitespace() && lower.next() == Some(c) && lower.next().is_none()
        }
    }) && is_nfkc(s)
}

/// Whether `s` is its own NFKC form, as far as a quick check tells: most
/// names are ASCII and CJK unified ideographs, which are without looking
/// at the Unicode tables (a tenth of an import's CPU went to them).
fn is_nfkc(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii() || is_caseless(c))
        || is_nfkc_quick(s.chars()) == IsNormalized::Yes
}

/// CJK unified ideographs (U+4E00–U+9FFF): no case, not whitespace.
fn is_caseless(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// The pinyin initials of a name, upper case: one letter per Chinese
/// character, Latin letters and digits kept as they are, everything else
/// dropped. `海信` → `HX`, `TCL王牌电器` → `TCLWPDQ`, `3M中国` → `3MZG`.
pub fn pinyin_initials(name: &str) -> String {
    let initial = |c: char| {
        if c.is_ascii_alphanumeric() {
            Some(c.to_ascii_uppercase())
        } else {
            c.to_pinyin()
                .and_then(|p| p.first_letter().chars().next())
                .map(|l| l.to_ascii_uppercase())
        }
    };
    if is_nfkc(name) {
        name.chars().filter_map(initial).collect()
    } else {
        name.nfkc().filter_map(initial).collect()
    }
}

/// The form a search text takes to be matched against normalised names.
pub fn normalize_query(q: &str) -> String {
    normalize_name(q)
}

/// The entries of the customer search index (DESIGN.md §5): every pair of
/// adjacent characters of the texts a search finds a substring of, and the
/// last character of each (so that one character is found wherever it is).
/// Those texts are the name key and the short name with ASCII letters
/// lower-cased, as the store's `lower(short_name) LIKE` sees it.
///
/// `search_grams("海信集团", Some("Hisense"))` holds `海信`, `信集`, `集团`,
/// `团`, `hi`, `is`, …, `se` and `e`.
pub fn search_grams(name_key: &str, short_name: Option<&str>) -> BTreeSet<String> {
    let mut grams = BTreeSet::new();
    for text in std::iter::once(name_key).chain(short_name) {
        let chars = searched_chars(text);
        grams.extend(chars.windows(2).map(|pair| pair.iter().collect::<String>()));
        if let Some(last) = chars.last() {
            grams.insert(last.to_string());
        }
    }
    grams
}

/// What a search text asks of the index of [`search_grams`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryGrams {
    /// Found only where every one of these pairs is.
    All(BTreeSet<String>),
    /// One character: found only where a gram starts with it (a pair, or
    /// the last character).
    StartingWith(String),
}

/// The grams a customer must have to contain `q`; `None` for an empty `q`.
/// A customer without them does not contain `q`; one with them may not
/// either (`ab` and `bc` are in `abxbc`), so the store still checks the text.
pub fn query_grams(q: &str) -> Option<QueryGrams> {
    let chars = searched_chars(q);
    match chars.as_slice() {
        [] => None,
        [one] => Some(QueryGrams::StartingWith(one.to_string())),
        _ => Some(QueryGrams::All(
            chars.windows(2).map(|pair| pair.iter().collect()).collect(),
        )),
    }
}

fn searched_chars(text: &str) -> Vec<char> {
    text.chars().map(|c| c.to_ascii_lowercase()).collect()
}

/// The range `[from, to)` holding exactly the texts that start with
/// `prefix`, in code point order (which is UTF-8 byte order, the order of
/// both backends' "C"/binary collation); `to` is `None` when no text is
/// above them. A prefix search through a range uses a plain index.
pub fn prefix_range(prefix: &str) -> (String, Option<String>) {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value, over the surrogate gap.
        let next = if last == '\u{D7FF}' {
            Some('\u{E000}')
        } else {
            char::from_u32(u32::from(last) + 1)
        };
        if let Some(next) = next {
            chars.push(next);
            return (prefix.to_owned(), Some(chars.into_iter().collect()));
        }
    }
    (prefix.to_owned(), None)
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

    fn grams(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|g| (*g).to_owned()).collect()
    }

    #[test]
    fn search_grams_are_the_pairs_and_last_character_of_name_key_and_short_name() {
        assert_eq!(
            search_grams("瑞丰科技", Some("瑞丰")),
            grams(&["瑞丰", "丰科", "科技", "技", "丰"])
        );
        assert_eq!(search_grams("海", None), grams(&["海"]));
        // The short name is searched as stored, ASCII letters lower-cased.
        assert_eq!(
            search_grams("tcl", Some("Ab C")),
            grams(&["tc", "cl", "l", "ab", "b ", " c", "c"])
        );
        assert_eq!(search_grams("", Some("")), BTreeSet::new());
    }

    #[test]
    fn query_grams_ask_for_every_pair_or_for_a_gram_starting_with_one_character() {
        assert_eq!(query_grams(""), None);
        assert_eq!(
            query_grams("瑞"),
            Some(QueryGrams::StartingWith("瑞".into()))
        );
        assert_eq!(
            query_grams("瑞丰瑞丰"),
            Some(QueryGrams::All(grams(&["瑞丰", "丰瑞"])))
        );
        assert_eq!(
            query_grams("IsE"),
            Some(QueryGrams::All(grams(&["is", "se"])))
        );
    }

    #[test]
    fn prefix_ranges_step_the_last_character() {
        assert_eq!(prefix_range("SZ"), ("SZ".into(), Some("S[".into())));
        assert_eq!(prefix_range("瑞"), ("瑞".into(), Some("瑟".into())));
        assert_eq!(
            prefix_range("a\u{D7FF}"),
            ("a\u{D7FF}".into(), Some("a\u{E000}".into()))
        );
        assert_eq!(
            prefix_range("a\u{10FFFF}"),
            ("a\u{10FFFF}".into(), Some("b".into()))
        );
        assert_eq!(prefix_range("\u{10FFFF}"), ("\u{10FFFF}".into(), None));
        assert_eq!(prefix_range(""), (String::new(), None));
    }

    /// The key as [`normalize_name`] defines it: NFKC, lower case and no
    /// whitespace, folded again until nothing changes.
    fn normalized_by_definition(name: &str) -> String {
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

    /// Whether the grams of a customer let it be found by `q`.
    fn admits(grams: &BTreeSet<String>, q: &str) -> bool {
        match query_grams(q) {
            None => true,
            Some(QueryGrams::All(wanted)) => wanted.is_subset(grams),
            Some(QueryGrams::StartingWith(c)) => grams.iter().any(|g| g.starts_with(&c)),
        }
    }

    proptest! {
        #[test]
        fn a_text_the_quick_check_passes_is_its_own_nfkc_form(
            text in "([\\x00-\\x7F\\u{4E00}-\\u{9FFF}]|\\PC){0,16}",
        ) {
            if is_nfkc(&text) {
                prop_assert_eq!(text.nfkc().collect::<String>(), text);
            }
        }

        #[test]
        fn every_substring_of_a_name_key_finds_it(
            name in "[a-zA-Z海信集团瑞丰（） ]{0,12}",
            start in 0usize..16,
            len in 1usize..16,
        ) {
            let key = normalize_name(&name);
            let chars: Vec<char> = key.chars().collect();
            let start = start.min(chars.len());
            let q: String = chars[start..(start + len).min(chars.len())].iter().collect();
            prop_assert!(admits(&search_grams(&key, Some("x")), &q), "{q:?} in {key:?}");
        }

        #[test]
        fn every_substring_of_a_short_name_finds_it(
            short in "\\PC{0,12}",
            start in 0usize..16,
            len in 1usize..16,
        ) {
            let lower = short.to_ascii_lowercase();
            let chars: Vec<char> = lower.chars().collect();
            let start = start.min(chars.len());
            let q: String = chars[start..(start + len).min(chars.len())].iter().collect();
            prop_assert!(admits(&search_grams("x", Some(&short)), &q), "{q:?} in {short:?}");
        }

        #[test]
        fn a_prefix_range_holds_exactly_the_texts_with_that_prefix(
            prefix in "\\PC{0,4}",
            text in "\\PC{0,6}",
        ) {
            let (from, to) = prefix_range(&prefix);
            let within = |t: &String| *t >= from && to.as_ref().is_none_or(|to| t < to);
            prop_assert_eq!(within(&text), text.starts_with(&prefix));
            let extended = format!("{prefix}{text}");
            prop_assert!(within(&extended));
        }


        #[test]
        fn the_fast_paths_give_the_defined_key(
            name in "\\PC{0,30}|[a-zA-Z0-9海信集团（）ＱＤｑ　 \u{301}\u{130}\u{1C5}\u{F900}]{0,20}",
        ) {
            prop_assert_eq!(normalize_name(&name), normalized_by_definition(&name));
        }

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
