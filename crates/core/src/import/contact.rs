//! Contacts as table rows: each row names its customer (by name or credit
//! code, which the app resolves) and one person there.

use chrono::DateTime;
use uuid::Uuid;

use super::{ColumnMap, FieldProblem, Lang, TableColumn, list, vocabulary, whole};
use crate::{
    Birthday, BirthdayCalendar, Contact, ContactDraft, ContactId, CustomerId, DecisionRole,
};

table_columns! {
    /// A column of a contacts table.
    pub enum ContactColumn {
        required: [Customer, Name],
        Customer = ("customer", "Customer", ["客户名称", "客户", "公司名称", "单位"]),
        Name = ("name", "Name", ["姓名", "联系人", "联系人姓名"]),
        Title = ("title", "Title", ["职务", "职位", "title"]),
        Department = ("department", "Department", ["部门"]),
        Mobile = ("mobile", "Mobile", ["手机", "手机号", "手机号码"]),
        Phone = ("phone", "Phone", ["电话", "座机", "固定电话", "办公电话"]),
        Email = ("email", "Email", ["邮箱", "电子邮件", "e-mail"]),
        Wechat = ("wechat", "WeChat", ["微信", "微信号"]),
        Roles = ("roles", "Roles", ["角色", "决策角色", "采购角色"]),
        Influence = ("influence", "Influence", ["影响力"]),
        Relationship = ("relationship", "Relationship", ["关系强度", "关系"]),
        Birthday = ("birthday", "Birthday", ["生日", "出生日期"]),
        NativePlace = ("native_place", "Native place", ["籍贯"]),
        Age = ("age", "Age", ["年龄"]),
        Hobbies = ("hobbies", "Hobbies", ["爱好", "兴趣爱好"]),
        TenureYears = ("tenure_years", "Tenure years", ["任职年限", "工龄"]),
        Authority = ("authority", "Authority", ["权限", "职权"]),
        Style = ("style", "Style", ["风格", "性格", "做事风格"]),
        Family = ("family", "Family", ["家庭", "家庭情况"]),
        Notes = ("notes", "Notes", ["备注"]),
    }
}

/// A contacts row: the customer as written, and the contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactRow {
    pub customer: String,
    pub draft: ContactDraft,
}

/// Reads one row and checks it with the rules of [`Contact::create`];
/// every bad cell is reported at once.
pub fn row_to_contact(
    row: &[String],
    map: &ColumnMap<ContactColumn>,
) -> Result<ContactRow, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut draft = ContactDraft::default();
    let mut customer = String::new();
    for (column, cell, header) in map.cells(row) {
        let text = Some(cell.to_owned());
        let mut bad = |reason: String| {
            problems.push(FieldProblem {
                column: header.to_owned(),
                reason,
            })
        };
        match column {
            ContactColumn::Customer => customer = cell.to_owned(),
            ContactColumn::Name => draft.name = cell.to_owned(),
            ContactColumn::Title => draft.title = text,
            ContactColumn::Department => draft.department = text,
            ContactColumn::Mobile => draft.mobile = text,
            ContactColumn::Phone => draft.phone = text,
            ContactColumn::Email => draft.email = text,
            ContactColumn::Wechat => draft.wechat = text,
            ContactColumn::Roles => {
                draft.roles = list(cell)
                    .filter_map(|r| vocabulary::<DecisionRole>(r).map_err(&mut bad).ok())
                    .collect()
            }
            ContactColumn::Influence => draft.influence = whole(cell).map_err(&mut bad).ok(),
            ContactColumn::Relationship => draft.relationship = whole(cell).map_err(&mut bad).ok(),
            ContactColumn::Birthday => draft.birthday = birthday(cell).map_err(&mut bad).ok(),
            ContactColumn::NativePlace => draft.native_place = text,
            ContactColumn::Age => draft.age = whole(cell).map_err(&mut bad).ok(),
            ContactColumn::Hobbies => draft.hobbies = text,
            ContactColumn::TenureYears => draft.tenure_years = whole(cell).map_err(&mut bad).ok(),
            ContactColumn::Authority => draft.authority = text,
            ContactColumn::Style => draft.style = text,
            ContactColumn::Family => draft.family = text,
            ContactColumn::Notes => draft.notes = text,
        }
    }
    if customer.is_empty() {
        problems.push(FieldProblem {
            column: map.header_for_field("customer"),
            reason: "required".into(),
        });
    }
    let nil = Uuid::nil();
    if let Err(errors) = Contact::create(
        draft.clone(),
        ContactId::from_uuid(nil),
        CustomerId::from_uuid(nil),
        DateTime::UNIX_EPOCH,
    ) {
        problems.extend(errors.0.into_iter().map(|e| FieldProblem {
            column: map.header_for_field(&e.field),
            reason: e.message,
        }));
    }
    if problems.is_empty() {
        Ok(ContactRow { customer, draft })
    } else {
        Err(problems)
    }
}

/// The draft a re-imported row makes of an existing contact: every
/// non-empty cell wins, empty cells keep what is there.
pub fn merge_contact(current: ContactDraft, row: ContactDraft) -> ContactDraft {
    ContactDraft {
        name: current.name,
        title: row.title.or(current.title),
        department: row.department.or(current.department),
        mobile: row.mobile.or(current.mobile),
        phone: row.phone.or(current.phone),
        email: row.email.or(current.email),
        wechat: row.wechat.or(current.wechat),
        roles: if row.roles.is_empty() {
            current.roles
        } else {
            row.roles
        },
        influence: row.influence.or(current.influence),
        relationship: row.relationship.or(current.relationship),
        birthday: row.birthday.or(current.birthday),
        native_place: row.native_place.or(current.native_place),
        age: row.age.or(current.age),
        hobbies: row.hobbies.or(current.hobbies),
        tenure_years: row.tenure_years.or(current.tenure_years),
        authority: row.authority.or(current.authority),
        style: row.style.or(current.style),
        family: row.family.or(current.family),
        notes: row.notes.or(current.notes),
    }
}

/// A birthday cell: `1985-03-12` or `03-12` (solar), with `农历` / `lunar`
/// before it for a lunar one and `闰` before the month for a leap month
/// (`农历 闰04-05`); also the stored form `lunar:-----04-05L`.
pub fn birthday(cell: &str) -> Result<Birthday, String> {
    if let Ok(b) = cell.parse() {
        return Ok(b);
    }
    let bad = || format!("`{cell}` is not a birthday (1985-03-12, 农历 03-12)");
    let mut rest = cell.trim();
    let mut calendar = BirthdayCalendar::Solar;
    for (prefix, cal) in [
        ("农历", BirthdayCalendar::Lunar),
        ("lunar", BirthdayCalendar::Lunar),
        ("阴历", BirthdayCalendar::Lunar),
        ("公历", BirthdayCalendar::Solar),
        ("阳历", BirthdayCalendar::Solar),
        ("solar", BirthdayCalendar::Solar),
    ] {
        if let Some(r) = rest.strip_prefix(prefix) {
            (rest, calendar) = (r.trim_start_matches([' ', ':', '：']), cal);
            break;
        }
    }
    let parts: Vec<&str> = rest
        .trim_end_matches('日')
        .split(['-', '/', '.', '年', '月'])
        .collect();
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] => (Some(*y), *m, *d),
        [m, d] => (None, *m, *d),
        _ => return Err(bad()),
    };
    let (month, leap) = match month.strip_prefix('闰') {
        Some(m) => (m, true),
        None => (month, false),
    };
    let year = match year {
        Some(y) => Some(y.parse().map_err(|_| bad())?),
        None => None,
    };
    let (Ok(month), Ok(day)) = (month.parse(), day.parse()) else {
        return Err(bad());
    };
    Birthday::new(calendar, year, month, day, leap).map_err(|e| format!("`{cell}`: {e}"))
}

/// A birthday as exported; reads back with [`birthday`].
pub fn format_birthday(b: &Birthday, lang: Lang) -> String {
    let mut out = String::new();
    if b.calendar == BirthdayCalendar::Lunar {
        out.push_str(match lang {
            Lang::Zh => "农历 ",
            Lang::En => "lunar ",
        });
    }
    if let Some(y) = b.year {
        out.push_str(&format!("{y}-"));
    }
    if b.leap_month {
        out.push('闰');
    }
    out.push_str(&format!("{:02}-{:02}", b.month, b.day));
    out
}

/// The cells of one exported contact, in the order of [`ContactColumn::ALL`];
/// `customer` is the customer's name. Reads back with [`row_to_contact`].
pub fn export_contact(contact: &Contact, customer: &str, lang: Lang) -> Vec<String> {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let number = |n: Option<u8>| n.map(|n| n.to_string()).unwrap_or_default();
    let c = contact;
    ContactColumn::ALL
        .iter()
        .map(|column| match column {
            ContactColumn::Customer => customer.to_owned(),
            ContactColumn::Name => c.name.clone(),
            ContactColumn::Title => text(&c.title),
            ContactColumn::Department => text(&c.department),
            ContactColumn::Mobile => text(&c.mobile),
            ContactColumn::Phone => text(&c.phone),
            ContactColumn::Email => text(&c.email),
            ContactColumn::Wechat => text(&c.wechat),
            ContactColumn::Roles => c
                .roles
                .iter()
                .map(|r| super::label(Some(*r), lang))
                .collect::<Vec<_>>()
                .join("、"),
            ContactColumn::Influence => number(c.influence.map(|l| l.get())),
            ContactColumn::Relationship => number(c.relationship.map(|l| l.get())),
            ContactColumn::Birthday => c
                .birthday
                .as_ref()
                .map(|b| format_birthday(b, lang))
                .unwrap_or_default(),
            ContactColumn::NativePlace => text(&c.native_place),
            ContactColumn::Age => number(c.age),
            ContactColumn::Hobbies => text(&c.hobbies),
            ContactColumn::TenureYears => number(c.tenure_years),
            ContactColumn::Authority => text(&c.authority),
            ContactColumn::Style => text(&c.style),
            ContactColumn::Family => text(&c.family),
            ContactColumn::Notes => text(&c.notes),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::import::map_headers;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    fn map(headers: &[&str]) -> ColumnMap<ContactColumn> {
        map_headers(&strings(headers), &HashMap::new()).unwrap()
    }

    #[test]
    fn a_row_becomes_a_contact_of_its_customer() {
        let m = map(&["客户名称", "姓名", "职务", "手机", "角色", "生日", "影响力"]);
        let row = row_to_contact(
            &strings(&[
                "深圳瑞丰电子",
                "张伟",
                "采购经理",
                "13800138000",
                "决策者、内线",
                "农历 1980-闰04-05",
                "4",
            ]),
            &m,
        )
        .unwrap();
        assert_eq!(row.customer, "深圳瑞丰电子");
        assert_eq!(row.draft.name, "张伟");
        assert_eq!(
            row.draft.roles,
            [DecisionRole::DecisionMaker, DecisionRole::InsideCoach]
        );
        let b = row.draft.birthday.unwrap();
        assert_eq!(
            (b.calendar, b.year, b.month, b.day, b.leap_month),
            (BirthdayCalendar::Lunar, Some(1980), 4, 5, true)
        );
        assert_eq!(row.draft.influence, Some(4));
    }

    #[test]
    fn a_contacts_file_needs_its_customer_and_name_columns() {
        let err = map_headers::<ContactColumn>(&strings(&["职务"]), &HashMap::new()).unwrap_err();
        assert_eq!(err.len(), 2);
        assert!(err[0].reason.contains("客户名称"), "{}", err[0].reason);
        assert!(err[1].reason.contains("姓名"), "{}", err[1].reason);
    }

    #[test]
    fn every_bad_cell_is_named() {
        let m = map(&["客户", "联系人", "角色", "影响力", "邮箱", "生日"]);
        let problems =
            row_to_contact(&strings(&["", "李四", "老板", "9", "nope", "13-45"]), &m).unwrap_err();
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["角色", "生日", "客户", "影响力", "邮箱"]);
    }

    #[test]
    fn birthdays_read_in_every_common_spelling() {
        for (cell, expect) in [
            ("1985-03-12", "solar:1985-03-12"),
            ("1985/3/12", "solar:1985-03-12"),
            ("03-12", "solar:-----03-12"),
            ("3月12日", "solar:-----03-12"),
            ("农历 04-05", "lunar:-----04-05"),
            ("农历闰04-05", "lunar:-----04-05L"),
            ("lunar:-----04-05L", "lunar:-----04-05L"),
        ] {
            assert_eq!(birthday(cell).unwrap().to_string(), expect, "{cell}");
        }
        assert!(birthday("02-30").is_err());
        assert!(birthday("tomorrow").is_err());
    }

    #[test]
    fn an_exported_contact_reads_back() {
        let draft = ContactDraft {
            name: "王芳".into(),
            title: Some("总经理".into()),
            mobile: Some("13912345678".into()),
            roles: vec![DecisionRole::User, DecisionRole::PurchasingApprover],
            influence: Some(5),
            birthday: Some(Birthday::new(BirthdayCalendar::Lunar, None, 8, 15, false).unwrap()),
            age: Some(45),
            ..ContactDraft::default()
        };
        let contact = Contact::create(
            draft.clone(),
            ContactId::from_uuid(Uuid::nil()),
            CustomerId::from_uuid(Uuid::nil()),
            DateTime::UNIX_EPOCH,
        )
        .unwrap();
        for lang in [Lang::Zh, Lang::En] {
            let headers: Vec<String> = ContactColumn::ALL
                .iter()
                .map(|c| c.header(lang).to_owned())
                .collect();
            let m = map_headers::<ContactColumn>(&headers, &HashMap::new()).unwrap();
            let row = row_to_contact(&export_contact(&contact, "某公司", lang), &m).unwrap();
            assert_eq!(row.customer, "某公司");
            assert_eq!(row.draft, contact.to_draft(), "{lang:?}");
        }
    }
}
