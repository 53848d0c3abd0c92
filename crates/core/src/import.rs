//! Import and export as tables (CSV, spreadsheets): the header vocabulary
//! of each kind of record in Chinese and English ([`TableColumn`]), turning
//! one row into a draft with the same rules as the API, duplicates inside
//! one file, and the cells of an exported row. Customers are here; contacts
//! and follow-up records in the submodules. Pure: the files are read and
//! written by the caller.

/// Declares the columns of a table: `Variant = ("key", "English header",
/// ["中文表头", more aliases…])`, and which of them a file must have.
macro_rules! table_columns {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            required: [$($required:ident),* $(,)?],
            $($variant:ident = ($key:literal, $en:literal, [$($alias:literal),+ $(,)?])),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $crate::import::TableColumn for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const REQUIRED: &'static [Self] = &[$($name::$required),*];

            fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key),+
                }
            }

            fn header_en(self) -> &'static str {
                match self {
                    $($name::$variant => $en),+
                }
            }

            fn aliases(self) -> &'static [&'static str] {
                match self {
                    $($name::$variant => &[$($alias),+]),+
                }
            }
        }
    };
}

pub mod activity;
pub mod case;
pub mod contact;

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::enums::Vocabulary;
use crate::text::normalize_name;
use crate::{Customer, CustomerDraft, CustomerId, UserId};

/// The columns of one kind of table: their keys (mapping files, errors),
/// and the headers recognised for them.
pub trait TableColumn: Copy + Eq + std::fmt::Debug + 'static {
    /// Every column, in export order.
    const ALL: &'static [Self];
    /// The columns a file must have.
    const REQUIRED: &'static [Self];

    /// The key used in mapping files and in validation errors (the field
    /// name of the draft, or a table-only column such as `owner`).
    fn key(self) -> &'static str;

    /// The header written on export, in English.
    fn header_en(self) -> &'static str;

    /// The headers recognised for this column, the Chinese export header
    /// first. Compared after [`header_key`].
    fn aliases(self) -> &'static [&'static str];

    /// The column whose header names a problem with this one when the file
    /// does not have it (a region column for province and city).
    fn stands_for(self) -> Option<Self> {
        None
    }

    /// The header written on export, in Chinese.
    fn header_zh(self) -> &'static str {
        self.aliases()[0]
    }

    /// The header written on export.
    fn header(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.header_zh(),
            Lang::En => self.header_en(),
        }
    }

    /// The column a header or a mapping-file key names, if any.
    fn from_header(header: &str) -> Option<Self> {
        let key = header_key(header);
        if key.is_empty() {
            return None;
        }
        Self::ALL.iter().copied().find(|c| {
            header_key(c.key()) == key
                || header_key(c.header_en()) == key
                || c.aliases().iter().any(|a| header_key(a) == key)
        })
    }
}

/// A column of an import or export table: a customer field, or one of the
/// two table-only columns `region` (province and city in one cell) and
/// `owner` (a username or display name the app resolves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    ShortName,
    CreditCode,
    Nature,
    Channel,
    Industry,
    ProductCategory,
    Province,
    City,
    Region,
    Tier,
    AbcClass,
    Status,
    MonthlyVolume,
    Address,
    Phone,
    Website,
    Notes,
    Owner,
}

impl Column {
    /// The columns of an export, in order (no `region`: province and city
    /// are exported apart).
    pub const EXPORT: &'static [Column] = &[
        Column::Name,
        Column::ShortName,
        Column::CreditCode,
        Column::Nature,
        Column::Channel,
        Column::Industry,
        Column::ProductCategory,
        Column::Province,
        Column::City,
        Column::Tier,
        Column::AbcClass,
        Column::Status,
        Column::MonthlyVolume,
        Column::Address,
        Column::Phone,
        Column::Website,
        Column::Notes,
        Column::Owner,
    ];
}

impl TableColumn for Column {
    const ALL: &'static [Column] = &[
        Column::Name,
        Column::ShortName,
        Column::CreditCode,
        Column::Nature,
        Column::Channel,
        Column::Industry,
        Column::ProductCategory,
        Column::Province,
        Column::City,
        Column::Region,
        Column::Tier,
        Column::AbcClass,
        Column::Status,
        Column::MonthlyVolume,
        Column::Address,
        Column::Phone,
        Column::Website,
        Column::Notes,
        Column::Owner,
    ];

    const REQUIRED: &'static [Column] = &[Column::Name];

    fn key(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::ShortName => "short_name",
            Column::CreditCode => "credit_code",
            Column::Nature => "nature",
            Column::Channel => "channel",
            Column::Industry => "industry",
            Column::ProductCategory => "product_category",
            Column::Province => "province",
            Column::City => "city",
            Column::Region => "region",
            Column::Tier => "tier",
            Column::AbcClass => "abc_class",
            Column::Status => "status",
            Column::MonthlyVolume => "monthly_volume",
            Column::Address => "address",
            Column::Phone => "phone",
            Column::Website => "website",
            Column::Notes => "notes",
            Column::Owner => "owner",
        }
    }

    fn header_en(self) -> &'static str {
        match self {
            Column::Name => "Name",
            Column::ShortName => "Short name",
            Column::CreditCode => "Credit code",
            Column::Nature => "Nature",
            Column::Channel => "Channel",
            Column::Industry => "Industry",
            Column::ProductCategory => "Product category",
            Column::Province => "Province",
            Column::City => "City",
            Column::Region => "Region",
            Column::Tier => "Tier",
            Column::AbcClass => "ABC",
            Column::Status => "Status",
            Column::MonthlyVolume => "Monthly volume",
            Column::Address => "Address",
            Column::Phone => "Phone",
            Column::Website => "Website",
            Column::Notes => "Notes",
            Column::Owner => "Owner",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Name => &["客户名称", "名称", "公司名称", "企业名称", "客户", "name"],
            Column::ShortName => &["简称", "客户简称", "short name", "shortname"],
            Column::CreditCode => &[
                "统一社会信用代码",
                "信用代码",
                "社会信用代码",
                "credit code",
                "creditcode",
            ],
            Column::Nature => &["客户性质", "客户类型", "性质", "nature"],
            Column::Channel => &["渠道", "渠道类型", "通路", "channel"],
            Column::Industry => &["行业", "所属行业", "industry"],
            Column::ProductCategory => &["产品类别", "产品类型", "product category"],
            Column::Province => &["省", "省份", "province"],
            Column::City => &["市", "城市", "city"],
            Column::Region => &["地区", "区域", "region"],
            Column::Tier => &["客户层级", "层级", "tier"],
            Column::AbcClass => &["ABC", "ABC分类", "abc class"],
            Column::Status => &["状态", "客户状态", "status"],
            Column::MonthlyVolume => &["月采购额", "月采购量", "monthly volume"],
            Column::Address => &["地址", "address"],
            Column::Phone => &["电话", "手机", "联系电话", "phone"],
            Column::Website => &["网址", "网站", "website"],
            Column::Notes => &["备注", "notes", "note"],
            Column::Owner => &["负责人", "业务员", "owner"],
        }
    }

    fn stands_for(self) -> Option<Column> {
        match self {
            Column::Province | Column::City => Some(Column::Region),
            _ => None,
        }
    }
}

/// What headers are compared by: NFKC, lower case, without spaces,
/// underscores, `*` (a "required" mark) or a BOM.
pub fn header_key(header: &str) -> String {
    normalize_name(header)
        .chars()
        .filter(|c| !matches!(c, '_' | '*' | '-' | '\u{feff}'))
        .collect()
}

/// The language of exported headers and enum labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// A problem with a whole file or one row: the line (1 = the header row),
/// the column as the file names it (empty for the whole row), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub line: usize,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.reason
            )
        }
    }
}

/// One bad cell of a row: the column as the file names it, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub column: String,
    pub reason: String,
}

impl FieldProblem {
    pub fn at(self, line: usize) -> ImportError {
        ImportError {
            line,
            column: self.column,
            reason: self.reason,
        }
    }
}

/// Which cell of a row feeds which column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap<C = Column> {
    /// (index in the row, column, header as in the file)
    columns: Vec<(usize, C, String)>,
    /// Headers that name no column: ignored, reported to the user.
    pub ignored: Vec<String>,
}

impl<C: TableColumn> ColumnMap<C> {
    /// The header in the file for a column, if the file has it.
    pub fn header_of(&self, column: C) -> Option<&str> {
        self.columns
            .iter()
            .find(|(_, c, _)| *c == column)
            .map(|(_, _, h)| h.as_str())
    }

    /// The trimmed, non-empty cell of a row for a column.
    pub fn cell<'a>(&self, row: &'a [String], column: C) -> Option<&'a str> {
        self.columns
            .iter()
            .find(|(_, c, _)| *c == column)
            .and_then(|(i, _, _)| row.get(*i))
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
    }

    /// The cells of a row with their column and header, non-empty and trimmed.
    pub fn cells<'a>(&'a self, row: &'a [String]) -> impl Iterator<Item = (C, &'a str, &'a str)> {
        self.columns.iter().filter_map(|(i, column, header)| {
            let cell = row.get(*i)?.trim();
            (!cell.is_empty()).then_some((*column, cell, header.as_str()))
        })
    }

    /// The header to name in a validation error about a draft field.
    pub fn header_for_field(&self, field: &str) -> String {
        let column = C::ALL.iter().copied().find(|c| c.key() == field);
        let fallback = column
            .and_then(TableColumn::stands_for)
            .and_then(|c| self.header_of(c));
        column
            .and_then(|c| self.header_of(c))
            .or(fallback)
            .unwrap_or(field)
            .to_owned()
    }
}

/// Maps the header row to columns. `overrides` (header as in the file →
/// column key, from a mapping file; an empty key ignores the header) win
/// over the built-in vocabulary. Unknown headers are ignored and listed in
/// [`ColumnMap::ignored`]; a missing name column, a column named twice or
/// an override to an unknown key are errors.
pub fn map_headers<C: TableColumn>(
    headers: &[String],
    overrides: &HashMap<String, String>,
) -> Result<ColumnMap<C>, Vec<ImportError>> {
    let overrides: HashMap<String, &str> = overrides
        .iter()
        .map(|(h, k)| (header_key(h), k.as_str()))
        .collect();
    let mut errors = Vec::new();
    let mut map = ColumnMap {
        columns: Vec::new(),
        ignored: Vec::new(),
    };
    for (i, header) in headers.iter().enumerate() {
        let header = header.trim().trim_start_matches('\u{feff}').trim();
        let column = match overrides.get(&header_key(header)) {
            // Ignored on purpose: no warning.
            Some(k) if k.trim().is_empty() => continue,
            Some(k) => match C::from_header(k) {
                Some(c) => Some(c),
                None => {
                    errors.push(ImportError {
                        line: 1,
                        column: header.to_owned(),
                        reason: format!("the mapping names an unknown field `{k}`"),
                    });
                    continue;
                }
            },
            None => C::from_header(header),
        };
        match column {
            Some(c) => {
                if let Some(first) = map.header_of(c) {
                    errors.push(ImportError {
                        line: 1,
                        column: header.to_owned(),
                        reason: format!("`{first}` is already read as {}", c.key()),
                    });
                } else {
                    map.columns.push((i, c, header.to_owned()));
                }
            }
            None if header.is_empty() => {}
            None => map.ignored.push(header.to_owned()),
        }
    }
    for required in C::REQUIRED {
        if map.header_of(*required).is_none() {
            errors.push(ImportError {
                line: 1,
                column: String::new(),
                reason: format!(
                    "no `{}` column ({})",
                    required.key(),
                    required.aliases().join(" / ")
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(errors)
    }
}

/// A row read into a draft, and the owner's name as written (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct RowDraft {
    pub draft: CustomerDraft,
    pub owner: Option<String>,
}

/// Reads one row into a draft and checks it with the rules of
/// [`Customer::create`]; every bad cell is reported at once. Empty cells
/// are `None`. Enum cells take the code or the Chinese or English label;
/// money takes a decimal, with or without thousands separators, `¥` or `元`.
pub fn row_to_draft(row: &[String], map: &ColumnMap) -> Result<RowDraft, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut draft = CustomerDraft::default();
    let mut owner = None;
    let mut region = None;
    for (i, column, header) in &map.columns {
        let Some(cell) = row.get(*i).map(|c| c.trim()).filter(|c| !c.is_empty()) else {
            continue;
        };
        let text = Some(cell.to_owned());
        let mut bad = |reason: String| {
            problems.push(FieldProblem {
                column: header.clone(),
                reason,
            })
        };
        match column {
            Column::Name => draft.name = cell.to_owned(),
            Column::ShortName => draft.short_name = text,
            Column::CreditCode => draft.credit_code = text,
            Column::Nature => draft.nature = vocabulary(cell).map_err(&mut bad).ok(),
            Column::Channel => draft.channel = vocabulary(cell).map_err(&mut bad).ok(),
            Column::Industry => draft.industry = text,
            Column::ProductCategory => draft.product_category = text,
            Column::Province => draft.province = text,
            Column::City => draft.city = text,
            Column::Region => region = Some(split_region(cell)),
            Column::Tier => draft.tier = vocabulary(cell).map_err(&mut bad).ok(),
            Column::AbcClass => draft.abc_class = vocabulary(cell).map_err(&mut bad).ok(),
            Column::Status => draft.status = vocabulary(cell).map_err(&mut bad).ok(),
            Column::MonthlyVolume => draft.monthly_volume = money(cell).map_err(&mut bad).ok(),
            Column::Address => draft.address = text,
            Column::Phone => draft.phone = text,
            Column::Website => draft.website = text,
            Column::Notes => draft.notes = text,
            Column::Owner => owner = text,
        }
    }
    // Separate province and city columns win over a region column.
    if let Some((province, city)) = region {
        draft.province = draft.province.or(Some(province));
        draft.city = draft.city.or(city);
    }
    let nil = Uuid::nil();
    if let Err(errors) = Customer::create(
        draft.clone(),
        CustomerId::from_uuid(nil),
        UserId::from_uuid(nil),
        DateTime::UNIX_EPOCH,
    ) {
        problems.extend(errors.0.into_iter().map(|e| FieldProblem {
            column: map.header_for_field(&e.field),
            reason: e.message,
        }));
    }
    if problems.is_empty() {
        Ok(RowDraft { draft, owner })
    } else {
        Err(problems)
    }
}

/// A value of a closed vocabulary by its code or its Chinese or English label.
pub fn vocabulary<T: Vocabulary>(cell: &str) -> Result<T, String> {
    let key = header_key(cell);
    T::all()
        .iter()
        .copied()
        .find(|v| {
            [v.code(), v.label_zh(), v.label_en()]
                .iter()
                .any(|s| header_key(s) == key)
        })
        .ok_or_else(|| {
            let expected: Vec<_> = T::all()
                .iter()
                .map(|v| format!("{}/{}", v.label_zh(), v.code()))
                .collect();
            format!(
                "unknown value `{cell}`, expected one of: {}",
                expected.join(", ")
            )
        })
}

/// An amount in yuan: `50000`, `50,000.00`, `¥50000`, `5万`, `50000元`.
pub fn money(cell: &str) -> Result<Decimal, String> {
    let cleaned: String = cell
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | '¥' | '￥' | ' ' | '元'))
        .collect();
    let (number, factor) = match cleaned.strip_suffix('万') {
        Some(n) => (n, Decimal::from(10_000)),
        None => (cleaned.as_str(), Decimal::ONE),
    };
    Decimal::from_str(number)
        .or_else(|_| Decimal::from_scientific(number))
        .map(|d| (d * factor).normalize())
        .map_err(|_| format!("`{cell}` is not an amount in yuan"))
}

/// A date: `2026-03-05`, `2026/3/5`, `2026.3.5`, `2026年3月5日`, or the
/// date part of a date and time.
pub fn date(cell: &str) -> Result<NaiveDate, String> {
    let bad = || format!("`{cell}` is not a date (2026-03-05)");
    let day_part = cell.split([' ', 'T']).next().unwrap_or_default();
    let parts: Vec<&str> = day_part
        .trim_end_matches('日')
        .split(['-', '/', '.', '年', '月'])
        .collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse()) else {
        return Err(bad());
    };
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)
}

/// A moment: a date and a time of day in China time (`2026-03-05 14:30`,
/// seconds optional; a date alone is midnight), or RFC 3339 with its offset.
pub fn china_time(cell: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(cell) {
        return Ok(t.with_timezone(&Utc));
    }
    let day =
        date(cell).map_err(|_| format!("`{cell}` is not a date and time (2026-03-05 14:30)"))?;
    let time = match cell.split_once([' ', 'T']).map(|(_, t)| t.trim()) {
        None | Some("") => NaiveTime::MIN,
        Some(t) => NaiveTime::parse_from_str(t, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
            .map_err(|_| format!("`{t}` is not a time of day (14:30)"))?,
    };
    day.and_time(time)
        .and_local_timezone(crate::calendar::china_offset())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("`{cell}` is not a date and time"))
}

/// A moment as exported: `2026-03-05 14:30` in China time.
pub fn format_china_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&crate::calendar::china_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A whole number within the type's range, `1` or `1.0` (as spreadsheets
/// write numbers).
pub fn whole<T: TryFrom<i64>>(cell: &str) -> Result<T, String> {
    let bad = || format!("`{cell}` is not a whole number in range");
    let number = cell.strip_suffix(".0").unwrap_or(cell);
    number
        .parse::<i64>()
        .ok()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(bad)
}

/// The items of a list cell: `张三、李四`, `a, b`, `a;b`, `a/b`.
pub fn list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(['、', ',', '，', ';', '；', '/', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The label of a vocabulary value in the export language.
pub fn label<T: Vocabulary>(v: Option<T>, lang: Lang) -> String {
    v.map(|v| match lang {
        Lang::Zh => v.label_zh(),
        Lang::En => v.label_en(),
    })
    .unwrap_or_default()
    .to_owned()
}

/// Splits a region cell into province and city: `广东 深圳`, `广东/深圳`,
/// `广东省深圳市` and `广西壮族自治区南宁市` all split; the `省` / `市` /
/// `自治区` suffixes are dropped. A cell that does not split is the province.
pub fn split_region(cell: &str) -> (String, Option<String>) {
    let cell = cell.trim();
    let parts: Vec<&str> = cell
        .split(|c: char| c.is_whitespace() || matches!(c, '/' | '-' | '·' | '，' | ','))
        .filter(|p| !p.is_empty())
        .collect();
    let (province, city) = match parts.as_slice() {
        [p, c, ..] => ((*p).to_owned(), Some((*c).to_owned())),
        _ => match ["自治区", "省"].iter().find_map(|s| cell.split_once(s)) {
            Some((p, c)) if !p.is_empty() => (p.to_owned(), Some(c.to_owned())),
            _ => (cell.to_owned(), None),
        },
    };
    let strip = |s: &str, suffix: &str| -> String {
        match s.strip_suffix(suffix) {
            Some(rest) if !rest.is_empty() => rest.to_owned(),
            _ => s.to_owned(),
        }
    };
    let province = strip(&strip(&province, "省"), "市");
    let city = city.map(|c| strip(&c, "市")).filter(|c| !c.is_empty());
    (province, city)
}

/// Rows of one file that name the same customer as an earlier row (by the
/// duplicate-check key of the name or by the credit code): one error per
/// later row, naming the first line.
pub fn duplicates_in_file<'a>(
    rows: impl IntoIterator<Item = (usize, &'a CustomerDraft)>,
    map: &ColumnMap,
) -> Vec<ImportError> {
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut codes: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (line, draft) in rows {
        let code = draft
            .credit_code
            .as_deref()
            .and_then(|c| crate::CreditCode::parse(c).ok())
            .map(|c| c.to_string());
        let key = normalize_name(&draft.name);
        if let Some(first) = names.get(&key) {
            errors.push(ImportError {
                line,
                column: map.header_for_field("name"),
                reason: format!("the same customer as line {first}"),
            });
            continue;
        }
        if let Some(first) = code.as_ref().and_then(|c| codes.get(c)) {
            errors.push(ImportError {
                line,
                column: map.header_for_field("credit_code"),
                reason: format!("the same credit code as line {first}"),
            });
            continue;
        }
        names.insert(key, line);
        if let Some(code) = code {
            codes.insert(code, line);
        }
    }
    errors
}

/// The draft a re-imported row makes of an existing customer: the row's
/// name (unless it is only another spelling of the same duplicate-check
/// key) and every non-empty cell; empty cells keep what is there.
pub fn merge(current: CustomerDraft, row: CustomerDraft) -> CustomerDraft {
    CustomerDraft {
        name: if normalize_name(&row.name) == normalize_name(&current.name) {
            current.name
        } else {
            row.name
        },
        short_name: row.short_name.or(current.short_name),
        credit_code: row.credit_code.or(current.credit_code),
        nature: row.nature.or(current.nature),
        channel: row.channel.or(current.channel),
        industry: row.industry.or(current.industry),
        product_category: row.product_category.or(current.product_category),
        province: row.province.or(current.province),
        city: row.city.or(current.city),
        tier: row.tier.or(current.tier),
        abc_class: row.abc_class.or(current.abc_class),
        owner_id: row.owner_id.or(current.owner_id),
        status: row.status.or(current.status),
        monthly_volume: row.monthly_volume.or(current.monthly_volume),
        address: row.address.or(current.address),
        phone: row.phone.or(current.phone),
        website: row.website.or(current.website),
        notes: row.notes.or(current.notes),
    }
}

/// The header row of an export.
pub fn export_headers(lang: Lang) -> Vec<&'static str> {
    Column::EXPORT.iter().map(|c| c.header(lang)).collect()
}

/// The cells of one exported customer, in the order of [`export_headers`];
/// `owner` is the owner's username. Reads back with [`row_to_draft`].
pub fn export_row(customer: &Customer, owner: &str, lang: Lang) -> Vec<String> {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let c = customer;
    Column::EXPORT
        .iter()
        .map(|column| match column {
            Column::Name => c.name.clone(),
            Column::ShortName => text(&c.short_name),
            Column::CreditCode => c
                .credit_code
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_default(),
            Column::Nature => label(c.nature, lang),
            Column::Channel => label(c.channel, lang),
            Column::Industry => text(&c.industry),
            Column::ProductCategory => text(&c.product_category),
            Column::Province => text(&c.province),
            Column::City => text(&c.city),
            Column::Region => String::new(),
            Column::Tier => label(Some(c.tier), lang),
            Column::AbcClass => label(c.abc_class, lang),
            Column::Status => label(Some(c.status), lang),
            Column::MonthlyVolume => c
                .monthly_volume
                .map(|m| m.yuan().to_string())
                .unwrap_or_default(),
            Column::Address => text(&c.address),
            Column::Phone => text(&c.phone),
            Column::Website => text(&c.website),
            Column::Notes => text(&c.notes),
            Column::Owner => owner.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AbcClass, ChannelType, CustomerNature, CustomerStatus, Tier};
    use proptest::prelude::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    fn map(headers: &[&str]) -> ColumnMap {
        map_headers(&strings(headers), &HashMap::new()).unwrap()
    }

    #[test]
    fn headers_in_chinese_and_english_name_the_same_columns() {
        for (header, column) in [
            ("客户名称", Column::Name),
            ("\u{feff}名称", Column::Name),
            ("公司名称", Column::Name),
            ("Name", Column::Name),
            ("*客户名称", Column::Name),
            ("简称", Column::ShortName),
            ("Short Name", Column::ShortName),
            ("short_name", Column::ShortName),
            ("统一社会信用代码", Column::CreditCode),
            ("信用代码", Column::CreditCode),
            ("Credit code", Column::CreditCode),
            ("客户类型", Column::Nature),
            ("客户性质", Column::Nature),
            ("渠道类型", Column::Channel),
            ("行业", Column::Industry),
            ("产品类别", Column::ProductCategory),
            ("省份", Column::Province),
            ("城市", Column::City),
            ("地区", Column::Region),
            ("客户层级", Column::Tier),
            ("abc", Column::AbcClass),
            ("状态", Column::Status),
            ("月采购额", Column::MonthlyVolume),
            ("Monthly volume", Column::MonthlyVolume),
            ("地址", Column::Address),
            ("手机", Column::Phone),
            ("网址", Column::Website),
            ("备注", Column::Notes),
            ("负责人", Column::Owner),
            ("owner", Column::Owner),
        ] {
            assert_eq!(Column::from_header(header), Some(column), "{header}");
        }
        assert_eq!(Column::from_header("传真"), None);
        assert_eq!(Column::from_header(""), None);
    }

    #[test]
    fn unknown_headers_are_ignored_and_a_missing_name_is_an_error() {
        let m = map(&["客户名称", "传真", "", "省"]);
        assert_eq!(m.ignored, ["传真"]);
        assert_eq!(m.header_of(Column::Province), Some("省"));

        let err = map_headers::<Column>(&strings(&["简称", "省"]), &HashMap::new()).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].line, 1);
        assert!(err[0].reason.contains("name"), "{}", err[0].reason);

        let err =
            map_headers::<Column>(&strings(&["名称", "客户名称"]), &HashMap::new()).unwrap_err();
        assert_eq!(err[0].column, "客户名称");
    }

    #[test]
    fn a_mapping_file_overrides_the_vocabulary() {
        let overrides: HashMap<String, String> = [
            ("单位".to_owned(), "name".to_owned()),
            ("名称".to_owned(), "short_name".to_owned()),
            ("电话".to_owned(), String::new()),
        ]
        .into();
        let m = map_headers(&strings(&["单位", "名称", "电话"]), &overrides).unwrap();
        assert_eq!(m.header_of(Column::Name), Some("单位"));
        assert_eq!(m.header_of(Column::ShortName), Some("名称"));
        assert_eq!(m.header_of(Column::Phone), None);
        assert!(m.ignored.is_empty(), "ignored on purpose: {:?}", m.ignored);

        let bad: HashMap<String, String> = [("单位".to_owned(), "nmae".to_owned())].into();
        let err = map_headers::<Column>(&strings(&["单位", "名称"]), &bad).unwrap_err();
        assert!(err[0].reason.contains("nmae"));
    }

    #[test]
    fn enum_cells_take_the_code_or_either_label() {
        for cell in [
            "state_owned",
            "国有企业",
            "State-owned enterprise",
            " 国有企业 ",
        ] {
            assert_eq!(
                vocabulary::<CustomerNature>(cell),
                Ok(CustomerNature::StateOwned)
            );
        }
        assert_eq!(vocabulary::<AbcClass>("A"), Ok(AbcClass::A));
        assert_eq!(vocabulary::<AbcClass>("B类"), Ok(AbcClass::B));
        assert_eq!(vocabulary::<Tier>("重要客户"), Ok(Tier::Key));
        assert_eq!(
            vocabulary::<ChannelType>("通路·经销商"),
            Ok(ChannelType::Distributor)
        );
        let err = vocabulary::<CustomerStatus>("won").unwrap_err();
        assert!(err.contains("潜在客户/prospect"), "{err}");
    }

    #[test]
    fn money_cells() {
        for (cell, yuan) in [
            ("50000", "50000"),
            ("50,000.50", "50000.5"),
            ("¥1,200", "1200"),
            ("3000元", "3000"),
            ("5万", "50000"),
            ("1.5万", "15000"),
            ("1E4", "10000"),
        ] {
            assert_eq!(money(cell), Ok(Decimal::from_str(yuan).unwrap()), "{cell}");
        }
        assert!(money("很多").is_err());
    }

    #[test]
    fn regions_split_into_province_and_city() {
        for (cell, province, city) in [
            ("广东 深圳", "广东", Some("深圳")),
            ("广东/深圳市", "广东", Some("深圳")),
            ("广东省深圳市", "广东", Some("深圳")),
            ("广西壮族自治区南宁市", "广西壮族", Some("南宁")),
            ("上海市", "上海", None),
            ("广东", "广东", None),
            ("华南", "华南", None),
        ] {
            assert_eq!(
                split_region(cell),
                (province.to_owned(), city.map(str::to_owned)),
                "{cell}"
            );
        }
    }

    #[test]
    fn a_row_becomes_a_draft() {
        let m = map(&["客户名称", "地区", "客户类型", "月采购额", "负责人", "状态"]);
        let row = row_to_draft(
            &strings(&[
                "深圳齐心",
                "广东省深圳市",
                "上市公司",
                "5万",
                "zhangwei",
                "",
            ]),
            &m,
        )
        .unwrap();
        assert_eq!(row.draft.name, "深圳齐心");
        assert_eq!(row.draft.province.as_deref(), Some("广东"));
        assert_eq!(row.draft.city.as_deref(), Some("深圳"));
        assert_eq!(row.draft.nature, Some(CustomerNature::Listed));
        assert_eq!(row.draft.monthly_volume, Some(Decimal::from(50_000)));
        assert_eq!(row.draft.status, None);
        assert_eq!(row.owner.as_deref(), Some("zhangwei"));
    }

    #[test]
    fn every_bad_cell_of_a_row_is_named_by_its_header() {
        let m = map(&[
            "名称",
            "统一社会信用代码",
            "客户类型",
            "月采购额",
            "地区",
            "网址",
        ]);
        let err = row_to_draft(
            &strings(&[
                "",
                "91350100M000100Y44",
                "外星企业",
                "很多",
                "广东 深圳",
                "no site",
            ]),
            &m,
        )
        .unwrap_err();
        let columns: Vec<_> = err.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(
            columns,
            ["客户类型", "月采购额", "名称", "统一社会信用代码", "网址"]
        );
        // A short row: missing cells are empty.
        let err = row_to_draft(&strings(&[]), &m).unwrap_err();
        assert_eq!(err[0].column, "名称");
    }

    #[test]
    fn rows_naming_the_same_customer_twice_are_found() {
        let m = map(&["名称", "信用代码"]);
        let drafts = [
            CustomerDraft {
                name: "海信集团".into(),
                credit_code: Some("91350100M000100Y43".into()),
                ..Default::default()
            },
            CustomerDraft {
                name: "海信 集团".into(),
                ..Default::default()
            },
            CustomerDraft {
                name: "别的名字".into(),
                credit_code: Some("91350100m000100y43".into()),
                ..Default::default()
            },
            CustomerDraft {
                name: "海尔".into(),
                ..Default::default()
            },
        ];
        let errors = duplicates_in_file(drafts.iter().enumerate().map(|(i, d)| (i + 2, d)), &m);
        assert_eq!(
            errors,
            [
                ImportError {
                    line: 3,
                    column: "名称".into(),
                    reason: "the same customer as line 2".into()
                },
                ImportError {
                    line: 4,
                    column: "信用代码".into(),
                    reason: "the same credit code as line 2".into()
                },
            ]
        );
    }

    #[test]
    fn merging_keeps_what_empty_cells_leave_out() {
        let current = CustomerDraft {
            name: "海信".into(),
            phone: Some("0532-88888888".into()),
            tier: Some(Tier::Key),
            ..Default::default()
        };
        let row = CustomerDraft {
            name: "海信".into(),
            city: Some("青岛".into()),
            ..Default::default()
        };
        let merged = merge(current.clone(), row);
        assert_eq!(merged.phone, current.phone);
        assert_eq!(merged.tier, Some(Tier::Key));
        assert_eq!(merged.city.as_deref(), Some("青岛"));
        assert_eq!(merge(current.clone(), current.clone()), current);
        let respelled = CustomerDraft {
            name: "海 信".into(),
            ..Default::default()
        };
        assert_eq!(merge(current.clone(), respelled).name, "海信");
    }

    fn opt<T: Clone + std::fmt::Debug + 'static>(
        values: &'static [T],
    ) -> impl Strategy<Value = Option<T>> {
        proptest::option::of(proptest::sample::select(values))
    }

    fn customer() -> impl Strategy<Value = Customer> {
        (
            "[海信尔华为深圳齐心A-Za-z]{1,12}",
            proptest::option::of("[海信尔]{1,4}"),
            opt(CustomerNature::ALL),
            opt(ChannelType::ALL),
            proptest::sample::select(Tier::ALL),
            opt(AbcClass::ALL),
            proptest::sample::select(CustomerStatus::ALL),
            proptest::option::of(0i64..10_000_000_000),
            proptest::option::of("[广东深圳北京]{1,3}"),
            proptest::option::of("1[3-9][0-9]{9}"),
        )
            .prop_map(
                |(name, short, nature, channel, tier, abc, status, fen, province, phone)| {
                    let draft = CustomerDraft {
                        name,
                        short_name: short,
                        credit_code: Some("91350100M000100Y43".into()),
                        nature,
                        channel,
                        tier: Some(tier),
                        abc_class: abc,
                        status: Some(status),
                        monthly_volume: fen.map(|f| Decimal::new(f, 2)),
                        province,
                        phone,
                        ..Default::default()
                    };
                    let nil = Uuid::nil();
                    Customer::create(
                        draft,
                        CustomerId::from_uuid(nil),
                        UserId::from_uuid(nil),
                        DateTime::UNIX_EPOCH,
                    )
                    .unwrap()
                },
            )
    }

    proptest! {
        #[test]
        fn an_exported_row_reads_back_as_the_customer(c in customer(), en in any::<bool>()) {
            let lang = if en { Lang::En } else { Lang::Zh };
            let headers: Vec<String> = export_headers(lang).into_iter().map(str::to_owned).collect();
            let m = map_headers(&headers, &HashMap::new()).unwrap();
            prop_assert!(m.ignored.is_empty());
            let row = row_to_draft(&export_row(&c, "zhangwei", lang), &m).unwrap();
            prop_assert_eq!(row.owner.as_deref(), Some("zhangwei"));
            let expected = CustomerDraft { owner_id: None, ..c.to_draft() };
            prop_assert_eq!(row.draft, expected);
        }

        #[test]
        fn header_keys_ignore_case_width_and_spaces(h in "[a-zA-Z ]{1,20}") {
            prop_assert_eq!(header_key(&h), header_key(&h.to_uppercase().replace(' ', "")));
        }

        #[test]
        fn any_row_is_read_without_panicking(cells in proptest::collection::vec("\\PC{0,12}", 0..8)) {
            let m = map(&["名称", "地区", "客户类型", "月采购额", "状态", "ABC", "信用代码"]);
            let _ = row_to_draft(&cells, &m);
        }
    }
}
