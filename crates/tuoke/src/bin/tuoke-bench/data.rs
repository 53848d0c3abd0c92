//! Realistic generated data: Chinese company names (unique by their
//! duplicate-check key), their pinyin initials, contacts, follow-up records
//! and cases. A seeded RNG makes every run generate the same data.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tuoke_core::text::{normalize_name, pinyin_initials};

/// (province, city, how a name starts).
pub const REGIONS: &[(&str, &str, &str)] = &[
    ("广东", "深圳", "深圳市"),
    ("广东", "广州", "广州市"),
    ("广东", "东莞", "东莞市"),
    ("上海", "上海", "上海"),
    ("北京", "北京", "北京"),
    ("浙江", "杭州", "杭州"),
    ("浙江", "宁波", "宁波"),
    ("江苏", "苏州", "苏州"),
    ("江苏", "南京", "南京"),
    ("山东", "青岛", "青岛"),
    ("山东", "济南", "济南"),
    ("福建", "厦门", "厦门"),
    ("四川", "成都", "成都"),
    ("湖北", "武汉", "武汉"),
    ("天津", "天津", "天津"),
    ("河南", "郑州", "郑州"),
];

/// Characters brands are made of, two at a time: 瑞丰, 华信, 金达…
const BRAND_CHARS: &[&str] = &[
    "瑞", "丰", "华", "信", "金", "达", "宏", "远", "恒", "通", "鑫", "源", "博", "盛", "新", "科",
    "长", "城", "东", "方", "海", "天", "正", "泰", "永", "安", "美", "佳", "联", "合", "中", "兴",
    "富", "康", "明", "辉", "嘉", "禾", "润", "德", "万", "象", "广", "聚", "宝", "利", "星", "光",
    "锦", "程", "昌", "隆", "汇", "鼎", "普", "惠", "凯", "旋", "立", "诚",
];

/// (industry, the words a company name takes after the brand).
const SECTORS: &[(&str, &[&str])] = &[
    (
        "电子元器件",
        &["电子", "电子科技", "精密电子", "半导体", "光电", "微电子"],
    ),
    (
        "办公文具",
        &["文具", "办公用品", "文化用品", "纸业", "办公设备"],
    ),
    ("电器", &["电器", "家电", "电气", "电子电器"]),
    ("零售", &["百货", "超市", "商业", "购物广场", "便利店"]),
    ("机械制造", &["机械", "重工", "精工", "自动化设备", "机电"]),
    ("化工", &["化工", "新材料", "涂料", "塑胶"]),
    ("物流", &["物流", "供应链", "运输", "仓储"]),
    ("软件", &["软件", "信息技术", "网络科技", "数据科技"]),
];

const SUFFIXES: &[&str] = &[
    "有限公司",
    "有限公司",
    "股份有限公司",
    "集团有限公司",
    "商贸有限公司",
];

/// Status codes, weighted towards the early ones.
const STATUSES: &[&str] = &[
    "prospect",
    "prospect",
    "prospect",
    "target",
    "target",
    "developing",
    "customer",
    "dormant",
    "lost",
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超",
    "建国", "丽华", "志强", "海燕", "晓东",
];
const TITLES: &[&str] = &[
    "采购经理",
    "总经理",
    "行政主管",
    "财务总监",
    "技术经理",
    "办公室主任",
];
const METHODS: &[&str] = &["visit", "phone", "phone", "email", "message", "meeting"];
const CONTENTS: &[&str] = &[
    "拜访采购部，介绍新款复印纸并留样",
    "电话确认上月订单的到货情况",
    "发送报价单和产品目录",
    "微信沟通年度框架协议的条款",
    "参加客户供应商大会，了解明年采购计划",
    "回访样品试用情况，客户反馈良好",
];

/// One generated customer: a row of the import file.
#[derive(Debug, Clone)]
pub struct CustomerRow {
    pub name: String,
    pub short_name: String,
    pub province: &'static str,
    pub city: &'static str,
    pub industry: &'static str,
    pub status: &'static str,
    /// The login of the owner.
    pub owner: String,
    /// The pinyin initials of the name (`tuoke_core::text`).
    pub pinyin: String,
}

/// Generates customers whose names are unique by their duplicate-check key.
pub struct Generator {
    rng: StdRng,
    keys: HashSet<String>,
    owners: Vec<String>,
}

impl Generator {
    pub fn new(seed: u64, owners: Vec<String>) -> Generator {
        Generator {
            rng: StdRng::seed_from_u64(seed),
            keys: HashSet::new(),
            owners,
        }
    }

    /// A new customer, its name unlike any generated before.
    pub fn customer(&mut self) -> CustomerRow {
        let rng = &mut self.rng;
        let &(province, city, prefix) = REGIONS.choose(rng).unwrap_or(&REGIONS[0]);
        let &(industry, words) = SECTORS.choose(rng).unwrap_or(&SECTORS[0]);
        let mut attempt = 0u32;
        let (name, brand) = loop {
            let brand = format!(
                "{}{}",
                BRAND_CHARS.choose(rng).unwrap_or(&"瑞"),
                BRAND_CHARS.choose(rng).unwrap_or(&"丰")
            );
            let word = words.choose(rng).unwrap_or(&"电子");
            let suffix = SUFFIXES.choose(rng).unwrap_or(&"有限公司");
            let name = if attempt < 20 {
                format!("{prefix}{brand}{word}{suffix}")
            } else {
                // The combinations run out at millions: number the branch.
                let branch: u32 = rng.random_range(1..100_000);
                format!("{prefix}{brand}{word}{suffix}第{branch}分公司")
            };
            if self.keys.insert(normalize_name(&name)) {
                break (name, brand);
            }
            attempt += 1;
        };
        let owner = self
            .owners
            .choose(rng)
            .cloned()
            .unwrap_or_else(|| "admin".into());
        CustomerRow {
            pinyin: pinyin_initials(&name),
            short_name: brand,
            name,
            province,
            city,
            industry,
            status: STATUSES.choose(rng).unwrap_or(&"prospect"),
            owner,
        }
    }

    /// The body of `POST /api/v1/customers`.
    pub fn customer_json(&mut self) -> Value {
        let c = self.customer();
        json!({
            "name": c.name,
            "short_name": c.short_name,
            "province": c.province,
            "city": c.city,
            "industry": c.industry,
            "status": c.status,
        })
    }
}

/// The header of the import file (English headers of `core::import`).
pub const CSV_HEADER: [&str; 7] = [
    "name",
    "short_name",
    "province",
    "city",
    "industry",
    "status",
    "owner",
];

impl CustomerRow {
    pub fn csv_record(&self) -> [&str; 7] {
        [
            &self.name,
            &self.short_name,
            self.province,
            self.city,
            self.industry,
            self.status,
            &self.owner,
        ]
    }
}

/// The contacts file's header (`tuoke import contacts`).
pub const CONTACTS_HEADER: [&str; 5] = ["客户名称", "姓名", "职务", "手机", "角色"];

/// The visit records file's header (`tuoke import activities`).
pub const ACTIVITIES_HEADER: [&str; 8] = [
    "客户名称",
    "日期和时间",
    "访问对象",
    "滞留时间",
    "开发方式",
    "内容",
    "客户态度",
    "业务员",
];

/// The cases file's header (`tuoke import cases`).
pub const CASES_HEADER: [&str; 6] = [
    "客户名称",
    "流程",
    "当前阶段",
    "项目名称",
    "预计金额",
    "负责人",
];

/// The stages of [`FUNNEL_TEMPLATE`] the seeded cases are at, weighted the
/// way a funnel narrows.
const CASE_STAGES: &[(&str, u32)] = &[
    ("identify", 40),
    ("samples_information", 25),
    ("value_assessment", 17),
    ("relationship", 11),
    ("close", 7),
];

const ROLES: &[&str] = &["决策者", "采购执行者", "使用者", "技术论证者", "内线"];

/// `n` contacts of one customer, their names distinct.
pub fn contact_rows(rng: &mut StdRng, customer: &str, n: usize) -> Vec<[String; 5]> {
    let mut names: Vec<String> = Vec::with_capacity(n);
    while names.len() < n {
        let name = format!(
            "{}{}",
            SURNAMES.choose(rng).unwrap_or(&"王"),
            GIVEN.choose(rng).unwrap_or(&"伟")
        );
        if !names.contains(&name) {
            names.push(name);
        } else if names.len() + 1 == n {
            // Two surnames and given names repeat at last: number the rest.
            names.push(format!("{name}{}", names.len() + 1));
        }
    }
    names
        .into_iter()
        .map(|name| {
            [
                customer.to_owned(),
                name,
                (*TITLES.choose(rng).unwrap_or(&"采购经理")).to_owned(),
                format!("13{:09}", rng.random_range(0..1_000_000_000u32)),
                (*ROLES.choose(rng).unwrap_or(&"使用者")).to_owned(),
            ]
        })
        .collect()
}

/// The `k`-th visit record of a customer whose first contact is `contact`.
pub fn activity_row(
    rng: &mut StdRng,
    customer: &str,
    contact: &str,
    owner: &str,
    k: u32,
) -> [String; 8] {
    let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 2)
        .unwrap_or_default()
        .checked_add_days(chrono::Days::new(
            u64::from(k) * 31 + rng.random_range(0..28u64),
        ))
        .unwrap_or_default();
    [
        customer.to_owned(),
        format!(
            "{day} {:02}:{:02}",
            rng.random_range(8..18u32),
            rng.random_range(0..60u32)
        ),
        contact.to_owned(),
        rng.random_range(5..120u32).to_string(),
        (*METHODS.choose(rng).unwrap_or(&"phone")).to_owned(),
        (*CONTENTS.choose(rng).unwrap_or(&"电话回访")).to_owned(),
        (*["积极", "中立", "中立", "消极"]
            .choose(rng)
            .unwrap_or(&"中立"))
        .to_owned(),
        owner.to_owned(),
    ]
}

/// The one case of a customer, at a stage of the funnel.
pub fn case_row(rng: &mut StdRng, customer: &str, owner: &str) -> [String; 6] {
    let stage = CASE_STAGES
        .choose_weighted(rng, |(_, w)| *w)
        .map(|(s, _)| *s)
        .unwrap_or("identify");
    [
        customer.to_owned(),
        FUNNEL_TEMPLATE.to_owned(),
        stage.to_owned(),
        "年度办公用品集中采购".to_owned(),
        format!("{}", rng.random_range(10..2_000u32) * 1000),
        owner.to_owned(),
    ]
}

/// The body of `POST /api/v1/activities`.
pub fn activity_json(rng: &mut StdRng, customer_id: &str, contact_id: Option<&str>) -> Value {
    json!({
        "customer_id": customer_id,
        "contact_ids": contact_id.map(|c| vec![c]).unwrap_or_default(),
        "method": METHODS.choose(rng).unwrap_or(&"phone"),
        "content": CONTENTS.choose(rng).unwrap_or(&"电话回访"),
        "duration_minutes": rng.random_range(5..120u32),
    })
}

/// The process template every seeded case follows, and the funnel reports on.
pub const FUNNEL_TEMPLATE: &str = "big_account_five_stages";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_by_key_and_carry_their_pinyin() {
        let mut g = Generator::new(1, vec!["rep01".into()]);
        let rows: Vec<_> = (0..5_000).map(|_| g.customer()).collect();
        let keys: HashSet<_> = rows.iter().map(|r| normalize_name(&r.name)).collect();
        assert_eq!(keys.len(), rows.len());
        for r in &rows {
            assert_eq!(r.pinyin, pinyin_initials(&r.name));
            assert!(r.name.contains(&r.short_name));
        }
    }
}
