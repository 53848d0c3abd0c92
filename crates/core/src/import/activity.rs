//! Follow-up records (跟进记录) as table rows: each row names its customer,
//! the people visited among the customer's contacts and the rep, which the
//! app resolves; the columns of the 大客户开发记录表 are recognised.

use chrono::DateTime;
use uuid::Uuid;

use super::{
    ColumnMap, FieldProblem, Lang, TableColumn, china_time, date, format_china_time, label, list,
    money, vocabulary,
};
use crate::{Activity, ActivityDraft, ActivityId, ActivityMethod, CustomerId, UserId};

table_columns! {
    /// A column of a follow-up records table.
    pub enum ActivityColumn {
        required: [Customer, OccurredAt, Method, Content],
        Customer = ("customer", "Customer", ["客户名称", "客户", "公司名称"]),
        OccurredAt = ("occurred_at", "Date and time", ["日期和时间", "日期时间", "拜访时间", "时间", "日期"]),
        Contacts = ("contacts", "Person visited", ["访问对象", "拜访对象", "联系人"]),
        Duration = ("duration_minutes", "Duration", ["滞留时间", "时长", "拜访时长", "duration"]),
        Method = ("method", "Method", ["开发方式", "接触方式", "方式", "跟进方式"]),
        Content = ("content", "Content", ["内容", "拜访内容", "沟通内容", "跟进内容"]),
        Progress = ("progress", "Progress", ["业务进度", "进度"]),
        Attitude = ("attitude", "Attitude", ["客户态度", "态度"]),
        AttitudeNote = ("attitude_note", "Attitude note", ["态度说明"]),
        NextStep = ("next_step", "Next step", ["下一步", "下一步计划"]),
        NextFollowUp = ("next_follow_up", "Next follow-up", ["下次跟进", "下次跟进日期", "next follow up"]),
        GiftValue = ("gift_value", "Gift value", ["礼品金额", "礼品价值"]),
        Owner = ("owner", "Owner", ["业务员", "负责人", "跟进人"]),
    }
}

/// A follow-up records row: the customer, the people visited and the rep
/// as written, and the record (its customer and contacts still unset).
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    pub customer: String,
    pub contacts: Vec<String>,
    pub owner: Option<String>,
    pub draft: ActivityDraft,
}

/// Reads one row and checks it with the rules of [`Activity::create`];
/// every bad cell is reported at once.
pub fn row_to_activity(
    row: &[String],
    map: &ColumnMap<ActivityColumn>,
) -> Result<ActivityRow, Vec<FieldProblem>> {
    let nil = Uuid::nil();
    let mut problems = Vec::new();
    let mut customer = String::new();
    let mut contacts = Vec::new();
    let mut owner = None;
    let mut occurred_at = None;
    let mut method = None;
    let mut draft = ActivityDraft {
        customer_id: CustomerId::from_uuid(nil),
        contact_ids: Vec::new(),
        occurred_at: DateTime::UNIX_EPOCH,
        method: ActivityMethod::Other,
        duration_minutes: None,
        content: String::new(),
        progress: None,
        attitude: None,
        attitude_note: None,
        next_step: None,
        next_follow_up: None,
        gift_value: None,
        owner_id: None,
    };
    for (column, cell, header) in map.cells(row) {
        let text = Some(cell.to_owned());
        let mut bad = |reason: String| {
            problems.push(FieldProblem {
                column: header.to_owned(),
                reason,
            })
        };
        match column {
            ActivityColumn::Customer => customer = cell.to_owned(),
            ActivityColumn::OccurredAt => occurred_at = china_time(cell).map_err(&mut bad).ok(),
            ActivityColumn::Contacts => contacts = list(cell).map(str::to_owned).collect(),
            ActivityColumn::Duration => {
                draft.duration_minutes = minutes(cell).map_err(&mut bad).ok()
            }
            ActivityColumn::Method => method = vocabulary(cell).map_err(&mut bad).ok(),
            ActivityColumn::Content => draft.content = cell.to_owned(),
            ActivityColumn::Progress => draft.progress = text,
            ActivityColumn::Attitude => draft.attitude = vocabulary(cell).map_err(&mut bad).ok(),
            ActivityColumn::AttitudeNote => draft.attitude_note = text,
            ActivityColumn::NextStep => draft.next_step = text,
            ActivityColumn::NextFollowUp => {
                draft.next_follow_up = date(cell).map_err(&mut bad).ok()
            }
            ActivityColumn::GiftValue => draft.gift_value = money(cell).map_err(&mut bad).ok(),
            ActivityColumn::Owner => owner = text,
        }
    }
    let mut required = |field: &str, missing: bool| {
        if missing {
            problems.push(FieldProblem {
                column: map.header_for_field(field),
                reason: "required".into(),
            });
        }
    };
    required("customer", customer.is_empty());
    required(
        "occurred_at",
        occurred_at.is_none() && map.cell(row, ActivityColumn::OccurredAt).is_none(),
    );
    required(
        "method",
        method.is_none() && map.cell(row, ActivityColumn::Method).is_none(),
    );
    let (Some(occurred_at), Some(method)) = (occurred_at, method) else {
        return Err(problems);
    };
    draft.occurred_at = occurred_at;
    draft.method = method;
    if let Err(errors) = Activity::create(
        draft.clone(),
        ActivityId::from_uuid(nil),
        UserId::from_uuid(nil),
        DateTime::UNIX_EPOCH,
    ) {
        problems.extend(errors.0.into_iter().map(|e| FieldProblem {
            column: map.header_for_field(&e.field),
            reason: e.message,
        }));
    }
    if problems.is_empty() {
        Ok(ActivityRow {
            customer,
            contacts,
            owner,
            draft,
        })
    } else {
        Err(problems)
    }
}

/// A duration (滞留时间) in minutes: `45`, `45分钟`, `45 min`, `1.5小时`, `2h`.
pub fn minutes(cell: &str) -> Result<u32, String> {
    let bad = || format!("`{cell}` is not a duration (45 分钟, 1.5 小时)");
    let cell = cell.trim();
    let (number, factor) = [
        ("分钟", 1.0),
        ("minutes", 1.0),
        ("min", 1.0),
        ("分", 1.0),
        ("小时", 60.0),
        ("hours", 60.0),
        ("h", 60.0),
    ]
    .iter()
    .find_map(|(unit, f)| cell.strip_suffix(unit).map(|n| (n.trim(), *f)))
    .unwrap_or((cell, 1.0));
    let value: f64 = number.parse().map_err(|_| bad())?;
    let minutes = (value * factor).round();
    if !(0.0..=f64::from(u32::MAX)).contains(&minutes) {
        return Err(bad());
    }
    Ok(minutes as u32)
}

/// The cells of one exported record, in the order of
/// [`ActivityColumn::ALL`]: the customer's name, the names of the people
/// visited and the owner's username are the caller's. Reads back with
/// [`row_to_activity`].
pub fn export_activity(
    activity: &Activity,
    customer: &str,
    contacts: &[&str],
    owner: &str,
    lang: Lang,
) -> Vec<String> {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let a = activity;
    ActivityColumn::ALL
        .iter()
        .map(|column| match column {
            ActivityColumn::Customer => customer.to_owned(),
            ActivityColumn::OccurredAt => format_china_time(a.occurred_at),
            ActivityColumn::Contacts => contacts.join("、"),
            ActivityColumn::Duration => a
                .duration_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
            ActivityColumn::Method => label(Some(a.method), lang),
            ActivityColumn::Content => a.content.clone(),
            ActivityColumn::Progress => text(&a.progress),
            ActivityColumn::Attitude => label(a.attitude, lang),
            ActivityColumn::AttitudeNote => text(&a.attitude_note),
            ActivityColumn::NextStep => text(&a.next_step),
            ActivityColumn::NextFollowUp => {
                a.next_follow_up.map(|d| d.to_string()).unwrap_or_default()
            }
            ActivityColumn::GiftValue => a
                .gift_value
                .map(|m| m.yuan().to_string())
                .unwrap_or_default(),
            ActivityColumn::Owner => owner.to_owned(),
        })
        .collect()
}

/// What makes two rows the same follow-up record: the customer, the moment,
/// the method and the rep (an import matches existing records by it).
pub type RecordKey = (CustomerId, i64, ActivityMethod, UserId);

pub fn record_key(a: &Activity) -> RecordKey {
    (
        a.customer_id,
        a.occurred_at.timestamp_micros(),
        a.method,
        a.owner_id,
    )
}

/// The draft a re-imported row makes of an existing record (the same
/// customer, moment, method and rep): every non-empty cell wins, empty
/// cells keep what is there; the people visited are replaced when given.
pub fn merge_activity(current: ActivityDraft, row: ActivityDraft) -> ActivityDraft {
    ActivityDraft {
        contact_ids: if row.contact_ids.is_empty() {
            current.contact_ids
        } else {
            row.contact_ids
        },
        duration_minutes: row.duration_minutes.or(current.duration_minutes),
        content: row.content,
        progress: row.progress.or(current.progress),
        attitude: row.attitude.or(current.attitude),
        attitude_note: row.attitude_note.or(current.attitude_note),
        next_step: row.next_step.or(current.next_step),
        next_follow_up: row.next_follow_up.or(current.next_follow_up),
        gift_value: row.gift_value.or(current.gift_value),
        ..current
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::Attitude;
    use crate::import::map_headers;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    fn map(headers: &[&str]) -> ColumnMap<ActivityColumn> {
        map_headers(&strings(headers), &HashMap::new()).unwrap()
    }

    #[test]
    fn the_columns_of_the_paper_record_form_are_read() {
        let m = map(&[
            "客户名称",
            "日期和时间",
            "访问对象",
            "滞留时间",
            "开发方式",
            "内容",
            "业务进度",
            "客户态度",
        ]);
        let row = row_to_activity(
            &strings(&[
                "深圳瑞丰电子",
                "2026/3/5 14:30",
                "张伟、李娜",
                "1.5小时",
                "上门拜访",
                "介绍新品",
                "送样",
                "积极",
            ]),
            &m,
        )
        .unwrap();
        assert_eq!(row.customer, "深圳瑞丰电子");
        assert_eq!(row.contacts, ["张伟", "李娜"]);
        assert_eq!(
            row.draft.occurred_at,
            Utc.with_ymd_and_hms(2026, 3, 5, 6, 30, 0).unwrap()
        );
        assert_eq!(row.draft.duration_minutes, Some(90));
        assert_eq!(row.draft.method, ActivityMethod::Visit);
        assert_eq!(row.draft.attitude, Some(Attitude::Positive));
    }

    #[test]
    fn every_bad_cell_is_named() {
        let m = map(&["客户", "时间", "方式", "内容", "下次跟进", "礼品金额"]);
        let problems = row_to_activity(
            &strings(&["某公司", "2026-13-01", "飞鸽传书", "", "soon", ""]),
            &m,
        )
        .unwrap_err();
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["时间", "方式", "下次跟进"]);

        // A gift without its value: the rule of Activity::create, by header.
        let problems = row_to_activity(
            &strings(&["某公司", "2026-03-01 10:00", "送礼", "中秋月饼", "", ""]),
            &m,
        )
        .unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].column, "礼品金额");
    }

    #[test]
    fn durations_in_minutes_or_hours() {
        for (cell, m) in [
            ("45", 45),
            ("45分钟", 45),
            ("45 min", 45),
            ("1.5小时", 90),
            ("2h", 120),
        ] {
            assert_eq!(minutes(cell), Ok(m), "{cell}");
        }
        assert!(minutes("-5").is_err());
        assert!(minutes("long").is_err());
    }

    #[test]
    fn an_exported_record_reads_back() {
        let draft = ActivityDraft {
            customer_id: CustomerId::from_uuid(Uuid::nil()),
            contact_ids: Vec::new(),
            occurred_at: Utc.with_ymd_and_hms(2026, 4, 1, 2, 15, 0).unwrap(),
            method: ActivityMethod::Gift,
            duration_minutes: Some(30),
            content: "送中秋礼品".into(),
            progress: Some("关系维护".into()),
            attitude: Some(Attitude::Neutral),
            attitude_note: None,
            next_step: Some("约技术交流".into()),
            next_follow_up: chrono::NaiveDate::from_ymd_opt(2026, 4, 8),
            gift_value: Some(rust_decimal::Decimal::new(29950, 2)),
            owner_id: None,
        };
        let activity = Activity::create(
            draft.clone(),
            ActivityId::from_uuid(Uuid::nil()),
            UserId::from_uuid(Uuid::nil()),
            DateTime::UNIX_EPOCH,
        )
        .unwrap();
        for lang in [Lang::Zh, Lang::En] {
            let headers: Vec<String> = ActivityColumn::ALL
                .iter()
                .map(|c| c.header(lang).to_owned())
                .collect();
            let m = map_headers::<ActivityColumn>(&headers, &HashMap::new()).unwrap();
            let cells = export_activity(&activity, "某公司", &["张伟"], "liming", lang);
            let row = row_to_activity(&cells, &m).unwrap();
            assert_eq!(
                (
                    row.customer.as_str(),
                    row.contacts.as_slice(),
                    row.owner.as_deref()
                ),
                ("某公司", ["张伟".to_owned()].as_slice(), Some("liming"))
            );
            assert_eq!(row.draft, draft, "{lang:?}");
        }
    }
}
