//! The 大客户开发记录表 (big-customer development record, SPEC F-29) as the
//! paper form lays it out: a title, a heading naming the customer and the
//! rep, then one row per follow-up record, oldest first. This module decides
//! the cells and their labels; writing them into a workbook is the app's job.

use std::collections::HashMap;

use crate::calendar::china_offset;
use crate::enums::Vocabulary;
use crate::import::Lang;
use crate::{Activity, ContactId};

/// The columns of the form, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitColumn {
    /// 日期和时间, in China time.
    OccurredAt,
    /// 访问对象: the names of the contacts met.
    PersonVisited,
    /// 滞留时间
    Duration,
    /// 开发方式: the contact method.
    Method,
    /// 业务进度: what was done, then the progress noted.
    Progress,
    /// 客户态度, with its note.
    Attitude,
    /// 下一步
    NextStep,
    /// 下次跟进
    NextFollowUp,
}

impl VisitColumn {
    pub const ALL: &'static [VisitColumn] = &[
        VisitColumn::OccurredAt,
        VisitColumn::PersonVisited,
        VisitColumn::Duration,
        VisitColumn::Method,
        VisitColumn::Progress,
        VisitColumn::Attitude,
        VisitColumn::NextStep,
        VisitColumn::NextFollowUp,
    ];

    pub fn header(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            VisitColumn::OccurredAt => ("日期和时间", "Date and time"),
            VisitColumn::PersonVisited => ("访问对象", "Person visited"),
            VisitColumn::Duration => ("滞留时间", "Time spent"),
            VisitColumn::Method => ("开发方式", "Method"),
            VisitColumn::Progress => ("业务进度", "Business progress"),
            VisitColumn::Attitude => ("客户态度", "Customer attitude"),
            VisitColumn::NextStep => ("下一步", "Next step"),
            VisitColumn::NextFollowUp => ("下次跟进", "Next follow-up"),
        };
        pick(lang, zh, en)
    }

    /// A printable width in characters, so that the form fits a landscape A4.
    pub fn width(self) -> f64 {
        match self {
            VisitColumn::OccurredAt => 17.0,
            VisitColumn::PersonVisited => 14.0,
            VisitColumn::Duration => 10.0,
            VisitColumn::Method => 10.0,
            VisitColumn::Progress => 40.0,
            VisitColumn::Attitude => 14.0,
            VisitColumn::NextStep => 22.0,
            VisitColumn::NextFollowUp => 12.0,
        }
    }
}

/// One filled form: the title, the heading, and the rows of cells in the
/// order of [`VisitColumn::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRecord {
    pub title: &'static str,
    /// The customer's name (empty on a blank form).
    pub customer: String,
    /// The heading lines: `客户名称：…`, then `业务员：…`.
    pub heading: [String; 2],
    pub columns: &'static [VisitColumn],
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// The form's title.
pub fn title(lang: Lang) -> &'static str {
    pick(lang, "大客户开发记录表", "Big-customer development record")
}

/// The form of one customer. `owner` is the name of the customer's rep;
/// `contacts` names the customer's contacts (one no longer there is left
/// out of 访问对象). The records come in any order and are shown oldest
/// first (ties by id, so the order is stable).
pub fn visit_record(
    customer_name: &str,
    owner: &str,
    activities: &[Activity],
    contacts: &HashMap<ContactId, String>,
    lang: Lang,
) -> VisitRecord {
    let mut sorted: Vec<&Activity> = activities.iter().collect();
    sorted.sort_by_key(|a| (a.occurred_at, a.id));
    VisitRecord {
        title: title(lang),
        customer: customer_name.to_owned(),
        heading: [
            format!("{}{customer_name}", pick(lang, "客户名称：", "Customer: ")),
            format!("{}{owner}", pick(lang, "业务员：", "Sales rep: ")),
        ],
        columns: VisitColumn::ALL,
        headers: VisitColumn::ALL.iter().map(|c| c.header(lang)).collect(),
        rows: sorted
            .into_iter()
            .map(|a| {
                VisitColumn::ALL
                    .iter()
                    .map(|c| cell(*c, a, contacts, lang))
                    .collect()
            })
            .collect(),
    }
}

fn cell(
    column: VisitColumn,
    a: &Activity,
    contacts: &HashMap<ContactId, String>,
    lang: Lang,
) -> String {
    match column {
        VisitColumn::OccurredAt => a
            .occurred_at
            .with_timezone(&china_offset())
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        VisitColumn::PersonVisited => a
            .contact_ids
            .iter()
            .filter_map(|id| contacts.get(id).map(String::as_str))
            .collect::<Vec<_>>()
            .join(pick(lang, "、", ", ")),
        VisitColumn::Duration => a
            .duration_minutes
            .map(|m| format!("{m} {}", pick(lang, "分钟", "min")))
            .unwrap_or_default(),
        VisitColumn::Method => label(lang, a.method).to_owned(),
        VisitColumn::Progress => match a.progress.as_deref() {
            Some(progress) => format!("{}\n{progress}", a.content),
            None => a.content.clone(),
        },
        VisitColumn::Attitude => {
            let attitude = a.attitude.map(|x| label(lang, x));
            match (attitude, a.attitude_note.as_deref()) {
                (Some(x), Some(note)) => format!("{x}（{note}）"),
                (Some(x), None) => x.to_owned(),
                (None, Some(note)) => note.to_owned(),
                (None, None) => String::new(),
            }
        }
        VisitColumn::NextStep => a.next_step.clone().unwrap_or_default(),
        VisitColumn::NextFollowUp => a
            .next_follow_up
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    }
}

fn label<T: Vocabulary>(lang: Lang, value: T) -> &'static str {
    pick(lang, value.label_zh(), value.label_en())
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::{ActivityDraft, ActivityId, ActivityMethod, Attitude, CustomerId, UserId};

    fn activity(n: u128, at: (u32, u32), draft: impl FnOnce(&mut ActivityDraft)) -> Activity {
        let mut d = ActivityDraft {
            customer_id: CustomerId::from_uuid(Uuid::from_u128(1)),
            contact_ids: vec![],
            occurred_at: Utc.with_ymd_and_hms(2026, 11, at.0, at.1, 30, 0).unwrap(),
            method: ActivityMethod::Visit,
            duration_minutes: None,
            content: format!("第{n}次"),
            progress: None,
            attitude: None,
            attitude_note: None,
            next_step: None,
            next_follow_up: None,
            gift_value: None,
            owner_id: None,
        };
        draft(&mut d);
        Activity::create(
            d,
            ActivityId::from_uuid(Uuid::from_u128(n)),
            UserId::from_uuid(Uuid::from_u128(5)),
            Utc::now(),
        )
        .unwrap()
    }

    #[test]
    fn the_form_has_the_title_heading_and_columns_of_the_paper_form() {
        let form = visit_record("海信集团", "张伟", &[], &HashMap::new(), Lang::Zh);
        assert_eq!(form.title, "大客户开发记录表");
        assert_eq!(form.customer, "海信集团");
        assert_eq!(form.heading, ["客户名称：海信集团", "业务员：张伟"]);
        assert_eq!(
            form.headers,
            [
                "日期和时间",
                "访问对象",
                "滞留时间",
                "开发方式",
                "业务进度",
                "客户态度",
                "下一步",
                "下次跟进"
            ]
        );
        assert!(form.rows.is_empty());
        let en = visit_record("Hisense", "Zhang Wei", &[], &HashMap::new(), Lang::En);
        assert_eq!(en.title, "Big-customer development record");
        assert_eq!(en.headers[1], "Person visited");
        assert_eq!(en.heading, ["Customer: Hisense", "Sales rep: Zhang Wei"]);
    }

    #[test]
    fn records_are_rows_oldest_first_in_china_time_with_every_cell_filled() {
        let wang = ContactId::from_uuid(Uuid::from_u128(70));
        let li = ContactId::from_uuid(Uuid::from_u128(71));
        let gone = ContactId::from_uuid(Uuid::from_u128(72));
        let contacts = HashMap::from([(wang, "王经理".to_owned()), (li, "李主任".to_owned())]);
        let later = activity(2, (21, 2), |d| {
            d.method = ActivityMethod::Phone;
            d.content = "电话跟进报价".into();
        });
        let first = activity(1, (20, 17), |d| {
            d.contact_ids = vec![wang, gone, li];
            d.duration_minutes = Some(45);
            d.content = "拜访采购部，介绍新款复印纸".into();
            d.progress = Some("已送样品".into());
            d.attitude = Some(Attitude::Positive);
            d.attitude_note = Some("关心价格".into());
            d.next_step = Some("报价".into());
            d.next_follow_up = NaiveDate::from_ymd_opt(2026, 11, 25);
        });
        let form = visit_record("海信集团", "张伟", &[later, first], &contacts, Lang::Zh);
        assert_eq!(
            form.rows,
            [
                vec![
                    // 17:30 UTC is 01:30 the next day in China.
                    "2026-11-21 01:30",
                    "王经理、李主任",
                    "45 分钟",
                    "上门拜访",
                    "拜访采购部，介绍新款复印纸\n已送样品",
                    "积极（关心价格）",
                    "报价",
                    "2026-11-25"
                ],
                vec![
                    "2026-11-21 10:30",
                    "",
                    "",
                    "电话",
                    "电话跟进报价",
                    "",
                    "",
                    ""
                ],
            ]
        );
    }

    #[test]
    fn english_labels_and_records_at_the_same_time_keep_a_stable_order() {
        let a = activity(3, (20, 2), |d| d.attitude = Some(Attitude::Negative));
        let b = activity(4, (20, 2), |d| d.duration_minutes = Some(90));
        let form = visit_record("x", "y", &[b, a], &HashMap::new(), Lang::En);
        assert_eq!(form.rows[0][5], "Negative");
        assert_eq!(form.rows[0][3], "Visit");
        assert_eq!(form.rows[1][2], "90 min");
    }
}
