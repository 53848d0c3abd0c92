//! The demo data set (`tuoke --demo`): a fictional sales organisation with two
//! sales teams, about 300 customers, their contacts and a year of follow-up
//! records.
//!
//! Everything goes through the App's own use cases, so every rule applies and
//! every change is in the audit log. A seeded RNG makes it the same demo every
//! time; dates are relative to the App's clock. The generators of what is
//! created are pure functions, tested below; [`App::load_demo`] only stores
//! what they produce.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use tuoke_core::text::{normalize_name, pinyin_initials};
use tuoke_core::{
    AbcClass, ActivityDraft, ActivityMethod, Attitude, Birthday, BirthdayCalendar, ChannelType,
    ContactDraft, ContactId, CreditCode, Customer, CustomerDraft, CustomerId, CustomerNature,
    CustomerStatus, DecisionRole, Role, TeamDraft, TeamId, Tier, User, UserDraft, Username,
};

use ActivityMethod::{Email, Gift, Meeting, Message, Phone, Visit};
use ChannelType::{Distributor, Retailer, SupermarketMall, Terminal, Wholesaler};
use CustomerNature::{
    Financial, Government, LargePrivate, Listed, Multinational, Other, Sme, StateOwned,
};
use DecisionRole::{
    DecisionMaker, PurchasingApprover, PurchasingExecutor, Requester, TechnicalEvaluator,
    User as UserRole,
};

use crate::error::{AppError, AppResult};
use crate::ports::PageRequest;
use crate::{Actor, App};

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "demo1234";

/// How far the demo has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoProgress {
    /// `users`, `customers`, `contacts` or `activities`.
    pub stage: &'static str,
    pub done: u64,
    pub total: u64,
}

/// What the demo created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub users: usize,
    pub teams: usize,
    pub customers: usize,
    pub contacts: usize,
    pub activities: usize,
}

/// The seed of every random choice: the same demo every time.
const SEED: u64 = 0x7475_6f6b_6564_6d6f;
/// How many companies the demo tries to create.
const COMPANY_COUNT: usize = 300;
/// The monthly volume (yuan) from which a customer counts as big.
const BIG_CUSTOMER_YUAN: i64 = 50_000;
/// The user whose existence means the demo is loaded.
const MARKER_USER: &str = "zhangwei";
/// The characters of a unified social credit code.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

// ---------------------------------------------------------------------------
// Users and teams
// ---------------------------------------------------------------------------

const TEAMS: [&str; 2] = ["华东销售部", "华南销售部"];
const EAST: usize = 0;
const SOUTH: usize = 1;

struct DemoUser {
    username: &'static str,
    name: &'static str,
    role: Role,
    /// The team a rep belongs to, or the team a manager manages.
    team: Option<usize>,
}

const fn user(
    username: &'static str,
    name: &'static str,
    role: Role,
    team: Option<usize>,
) -> DemoUser {
    DemoUser {
        username,
        name,
        role,
        team,
    }
}

const USERS: &[DemoUser] = &[
    user("wangfang", "王芳", Role::Manager, Some(EAST)),
    user("zhangwei", "张伟", Role::Rep, Some(EAST)),
    user("lina", "李娜", Role::Rep, Some(EAST)),
    user("liuyang", "刘洋", Role::Rep, Some(EAST)),
    user("chenjing", "陈静", Role::Manager, Some(SOUTH)),
    user("yangmin", "杨敏", Role::Rep, Some(SOUTH)),
    user("zhaolei", "赵磊", Role::Rep, Some(SOUTH)),
    user("huangyan", "黄艳", Role::Rep, Some(SOUTH)),
    user("sunqiang", "孙强", Role::DevManager, None),
    user("zhoujie", "周杰", Role::Engineer, None),
    user("wuting", "吴婷", Role::Qa, None),
];

/// The sales staff of a team (indexes into [`USERS`]) with how many of its
/// customers each owns: reps three times as many as the manager.
fn team_sales_staff(team: usize) -> Vec<(usize, u32)> {
    USERS
        .iter()
        .enumerate()
        .filter(|(_, u)| u.team == Some(team))
        .filter_map(|(i, u)| match u.role {
            Role::Rep => Some((i, 3)),
            Role::Manager => Some((i, 1)),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Companies
// ---------------------------------------------------------------------------

struct Region {
    province: &'static str,
    city: &'static str,
    /// How a company name starts: 深圳市…, 上海….
    name_prefix: &'static str,
    area_code: &'static str,
    /// The administrative division code in credit codes.
    division: &'static str,
    districts: &'static [&'static str],
    team: usize,
    weight: u32,
}

const REGIONS: &[Region] = &[
    Region {
        province: "广东",
        city: "深圳",
        name_prefix: "深圳市",
        area_code: "0755",
        division: "440300",
        districts: &["南山区", "福田区", "罗湖区", "宝安区", "龙岗区"],
        team: SOUTH,
        weight: 16,
    },
    Region {
        province: "广东",
        city: "广州",
        name_prefix: "广州市",
        area_code: "020",
        division: "440100",
        districts: &["天河区", "越秀区", "海珠区", "番禺区", "白云区"],
        team: SOUTH,
        weight: 12,
    },
    Region {
        province: "上海",
        city: "上海",
        name_prefix: "上海",
        area_code: "021",
        division: "310000",
        districts: &["浦东新区", "徐汇区", "静安区", "闵行区", "长宁区"],
        team: EAST,
        weight: 14,
    },
    Region {
        province: "北京",
        city: "北京",
        name_prefix: "北京",
        area_code: "010",
        division: "110000",
        districts: &["朝阳区", "海淀区", "东城区", "西城区", "丰台区"],
        team: EAST,
        weight: 8,
    },
    Region {
        province: "浙江",
        city: "杭州",
        name_prefix: "杭州",
        area_code: "0571",
        division: "330100",
        districts: &["西湖区", "上城区", "滨江区", "余杭区", "拱墅区"],
        team: EAST,
        weight: 10,
    },
    Region {
        province: "江苏",
        city: "南京",
        name_prefix: "南京",
        area_code: "025",
        division: "320100",
        districts: &["玄武区", "鼓楼区", "建邺区", "江宁区", "秦淮区"],
        team: EAST,
        weight: 8,
    },
    Region {
        province: "江苏",
        city: "苏州",
        name_prefix: "苏州",
        area_code: "0512",
        division: "320500",
        districts: &["姑苏区", "吴中区", "相城区", "虎丘区", "吴江区"],
        team: EAST,
        weight: 10,
    },
    Region {
        province: "山东",
        city: "青岛",
        name_prefix: "青岛",
        area_code: "0532",
        division: "370200",
        districts: &["市南区", "市北区", "崂山区", "黄岛区", "李沧区"],
        team: EAST,
        weight: 8,
    },
    Region {
        province: "四川",
        city: "成都",
        name_prefix: "成都",
        area_code: "028",
        division: "510100",
        districts: &["锦江区", "武侯区", "青羊区", "成华区", "金牛区"],
        team: SOUTH,
        weight: 7,
    },
    Region {
        province: "湖北",
        city: "武汉",
        name_prefix: "武汉",
        area_code: "027",
        division: "420100",
        districts: &["江汉区", "武昌区", "洪山区", "江岸区", "汉阳区"],
        team: SOUTH,
        weight: 7,
    },
];

/// How the companies of a sector are named.
enum Naming {
    /// City + brand + one of these words + a legal suffix.
    Company(&'static [&'static str]),
    /// A bank's city branch: 招商银行深圳分行.
    Bank,
    /// A district bureau: 深圳市南山区财政局.
    Government,
}

struct Sector {
    industry: &'static str,
    naming: Naming,
    products: &'static [&'static str],
    natures: &'static [CustomerNature],
    channels: &'static [ChannelType],
    weight: u32,
}

const SECTORS: &[Sector] = &[
    Sector {
        industry: "电子元器件",
        naming: Naming::Company(&["电子", "电子科技", "精密电子", "半导体", "光电", "微电子"]),
        products: &["电子元件", "打印耗材", "复印纸", "办公设备"],
        natures: &[Sme, LargePrivate, Listed, Multinational],
        channels: &[Terminal],
        weight: 16,
    },
    Sector {
        industry: "办公文具",
        naming: Naming::Company(&["文具", "办公用品", "文化用品", "纸业", "办公设备"]),
        products: &["复印纸", "文具", "打印耗材", "办公设备"],
        natures: &[Sme, Sme, LargePrivate, Other],
        channels: &[Wholesaler, Distributor, Retailer, Distributor],
        weight: 16,
    },
    Sector {
        industry: "电器",
        naming: Naming::Company(&["电器", "家电", "电气", "电子电器"]),
        products: &["办公设备", "电子元件", "复印纸"],
        natures: &[LargePrivate, Listed, StateOwned, Sme],
        channels: &[Terminal, Terminal, Distributor],
        weight: 10,
    },
    Sector {
        industry: "零售",
        naming: Naming::Company(&["百货", "超市", "商业", "购物广场", "便利店"]),
        products: &["文具", "复印纸", "办公设备"],
        natures: &[LargePrivate, Listed, Sme],
        channels: &[SupermarketMall, Retailer],
        weight: 8,
    },
    Sector {
        industry: "物流",
        naming: Naming::Company(&["物流", "供应链", "快运", "货运代理"]),
        products: &["复印纸", "打印耗材", "办公设备"],
        natures: &[StateOwned, LargePrivate, Sme],
        channels: &[Terminal],
        weight: 8,
    },
    Sector {
        industry: "制造",
        naming: Naming::Company(&["机械", "精密制造", "模具", "塑胶", "包装", "五金"]),
        products: &["打印耗材", "复印纸", "劳保用品", "文具"],
        natures: &[Sme, LargePrivate, StateOwned, Multinational],
        channels: &[Terminal],
        weight: 14,
    },
    Sector {
        industry: "信息技术",
        naming: Naming::Company(&["科技", "信息技术", "软件", "网络科技", "通信"]),
        products: &["办公设备", "打印耗材", "复印纸"],
        natures: &[Sme, Listed, LargePrivate, Multinational],
        channels: &[Terminal],
        weight: 10,
    },
    Sector {
        industry: "医药",
        naming: Naming::Company(&["医药", "生物科技", "医疗器械", "药业"]),
        products: &["复印纸", "打印耗材", "文具"],
        natures: &[Listed, StateOwned, Sme],
        channels: &[Terminal],
        weight: 6,
    },
    Sector {
        industry: "金融",
        naming: Naming::Bank,
        products: &["复印纸", "打印耗材", "办公设备"],
        natures: &[Financial],
        channels: &[Terminal],
        weight: 6,
    },
    Sector {
        industry: "政府机关",
        naming: Naming::Government,
        products: &["复印纸", "文具", "打印耗材", "办公设备"],
        natures: &[Government],
        channels: &[Terminal],
        weight: 8,
    },
];

const BRANDS: &[&str] = &[
    "华信", "宏达", "瑞丰", "金桥", "天成", "恒通", "鑫源", "嘉禾", "永盛", "广联", "汇通", "博远",
    "润泽", "德润", "华晟", "明辉", "盛世", "信达", "康泰", "卓越", "锦程", "百川", "中泰", "安达",
    "海纳", "联创", "凯旋", "星辰", "远航", "同创", "合力", "和盛", "荣昌", "飞达", "宝丰", "启明",
];

/// Banks and their short forms (招行深圳).
const BANKS: &[(&str, &str)] = &[
    ("招商银行", "招行"),
    ("中国工商银行", "工行"),
    ("中国建设银行", "建行"),
    ("中国银行", "中行"),
    ("中国农业银行", "农行"),
    ("交通银行", "交行"),
    ("兴业银行", "兴业"),
    ("浦发银行", "浦发"),
    ("平安银行", "平安"),
    ("中信银行", "中信"),
];

/// District bureaus and their short forms (南山财政).
const BUREAUS: &[(&str, &str)] = &[
    ("财政局", "财政"),
    ("税务局", "税务"),
    ("教育局", "教育"),
    ("人力资源和社会保障局", "人社"),
    ("市场监督管理局", "市监"),
    ("卫生健康局", "卫健"),
    ("住房和建设局", "住建"),
    ("审计局", "审计"),
    ("统计局", "统计"),
    ("司法局", "司法"),
];

const ROADS: &[&str] = &[
    "建设路",
    "人民路",
    "中山路",
    "解放路",
    "科技路",
    "创业路",
    "工业大道",
    "滨海大道",
    "长江路",
    "和平路",
    "新华路",
    "南京路",
    "高新大道",
    "环城北路",
];

const CUSTOMER_NOTES: &[&str] = &[
    "年度框架协议客户，每季度对账",
    "通过行业展会获得的线索",
    "老客户转介绍",
    "对价格敏感，关注促销活动",
    "集中采购，每年三月招标",
    "由前任业务员移交",
    "要求开具增值税专用发票",
];

const PROBLEM_NOTE: &str = "多次逾期付款，需先款后货";

/// The statuses a customer ends in, and how often.
const STATUS_WEIGHTS: &[(CustomerStatus, u32)] = &[
    (CustomerStatus::Prospect, 18),
    (CustomerStatus::Target, 14),
    (CustomerStatus::Developing, 20),
    (CustomerStatus::Customer, 32),
    (CustomerStatus::Dormant, 7),
    (CustomerStatus::Lost, 9),
];

/// The status moves from prospect (where every customer starts) to `status`.
fn path_to(status: CustomerStatus) -> &'static [CustomerStatus] {
    use CustomerStatus::*;
    match status {
        Prospect => &[],
        Target => &[Target],
        Developing => &[Target, Developing],
        Customer => &[Target, Developing, Customer],
        Dormant => &[Target, Developing, Customer, Dormant],
        Lost => &[Target, Developing, Lost],
    }
}

/// A company to create, with where it ends in the lifecycle.
#[derive(Debug, Clone)]
struct CompanySpec {
    name: String,
    short_name: Option<String>,
    /// Index into [`SECTORS`].
    sector: usize,
    /// Index into [`REGIONS`].
    region: usize,
    nature: CustomerNature,
    channel: ChannelType,
    product: &'static str,
    tier: Tier,
    monthly_volume: Option<i64>,
    credit_code: Option<CreditCode>,
    phone: String,
    address: String,
    website: Option<String>,
    /// The e-mail domain of its staff.
    domain: Option<String>,
    notes: Option<String>,
    status: CustomerStatus,
    /// Index into [`USERS`].
    owner: usize,
}

impl CompanySpec {
    fn draft(&self) -> CustomerDraft {
        let region = &REGIONS[self.region];
        CustomerDraft {
            name: self.name.clone(),
            short_name: self.short_name.clone(),
            credit_code: self.credit_code.as_ref().map(ToString::to_string),
            nature: Some(self.nature),
            channel: Some(self.channel),
            industry: Some(SECTORS[self.sector].industry.to_owned()),
            product_category: Some(self.product.to_owned()),
            province: Some(region.province.to_owned()),
            city: Some(region.city.to_owned()),
            tier: Some(self.tier),
            abc_class: self.monthly_volume.map(abc_class),
            owner_id: None,
            status: None,
            monthly_volume: self.monthly_volume.map(Decimal::from),
            address: Some(self.address.clone()),
            phone: Some(self.phone.clone()),
            website: self.website.clone(),
            notes: self.notes.clone(),
        }
    }
}

/// One of `items`, uniformly. The word lists are never empty.
fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(..items.len())]
}

/// One of `items`, as often as its weight says.
fn pick_weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(..total.max(1));
    for &(item, weight) in items {
        if roll < weight {
            return item;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

/// An index into `items`, as often as `weight` says.
fn pick_index<T>(rng: &mut StdRng, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
    let weighted: Vec<(usize, u32)> = items.iter().map(&weight).enumerate().collect();
    pick_weighted(rng, &weighted)
}

/// `n` random digits.
fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// A valid credit code: registration-type prefix, division, random body.
fn credit_code(rng: &mut StdRng, prefix: &str, division: &str) -> Option<CreditCode> {
    let body: String = (0..9)
        .map(|_| char::from(pick(rng, CODE_ALPHABET)))
        .collect();
    CreditCode::with_check_char(&format!("{prefix}{division}{body}"))
}

/// The ABC class of a monthly volume.
fn abc_class(volume: i64) -> AbcClass {
    match volume {
        v if v >= BIG_CUSTOMER_YUAN => AbcClass::A,
        v if v >= 15_000 => AbcClass::B,
        _ => AbcClass::C,
    }
}

/// A plausible monthly volume in yuan, in hundreds; some have none yet.
fn monthly_volume(rng: &mut StdRng, nature: CustomerNature, channel: ChannelType) -> Option<i64> {
    if rng.random_bool(0.1) {
        return None;
    }
    let (low, high) = match nature {
        Government => (3_000, 30_000),
        Sme | Other => (2_000, 40_000),
        _ if rng.random_bool(0.4) => (BIG_CUSTOMER_YUAN, 250_000),
        _ => (8_000, BIG_CUSTOMER_YUAN),
    };
    let factor = if channel.is_channel() { 2 } else { 1 };
    Some(rng.random_range(low / 100..=high / 100) * 100 * factor)
}

/// The name and short name of a company of `sector` in `region`, and the
/// domain of its website (none for banks and bureaus).
fn company_name(
    rng: &mut StdRng,
    sector: &Sector,
    region: &Region,
    nature: CustomerNature,
    channel: ChannelType,
) -> (String, Option<String>, Option<String>) {
    match sector.naming {
        Naming::Bank => {
            let (bank, short) = pick(rng, BANKS);
            let city = region.city;
            (
                format!("{bank}{city}分行"),
                Some(format!("{short}{city}")),
                None,
            )
        }
        Naming::Government => {
            let district = pick(rng, region.districts);
            let (bureau, short) = pick(rng, BUREAUS);
            let district_short: String = district.chars().take(2).collect();
            (
                format!("{}市{district}{bureau}", region.city),
                Some(format!("{district_short}{short}")),
                None,
            )
        }
        Naming::Company(words) => {
            let brand = pick(rng, BRANDS);
            let word = pick(rng, words);
            let suffix = match nature {
                Listed => "股份有限公司",
                Multinational => "（中国）有限公司",
                StateOwned | LargePrivate => pick(rng, &["集团有限公司", "集团", "有限公司"]),
                _ if channel.is_channel() => pick(rng, &["商贸有限公司", "有限公司"]),
                _ => "有限公司",
            };
            let prefix = if nature == Multinational || rng.random_bool(0.1) {
                ""
            } else {
                region.name_prefix
            };
            let short = match rng.random_range(0..10) {
                0 => None,
                1..=2 => Some(format!(
                    "{brand}{}",
                    word.chars().take(2).collect::<String>()
                )),
                _ => Some(brand.to_owned()),
            };
            let domain = format!(
                "{}{}",
                pinyin_initials(&format!("{brand}{word}")).to_ascii_lowercase(),
                pick(rng, &[".com", ".com.cn", ".cn"])
            );
            (
                format!("{prefix}{brand}{word}{suffix}"),
                short,
                Some(domain),
            )
        }
    }
}

/// A random company.
fn company(rng: &mut StdRng) -> CompanySpec {
    let sector_index = pick_index(rng, SECTORS, |s| s.weight);
    let region_index = pick_index(rng, REGIONS, |r| r.weight);
    let (sector, region) = (&SECTORS[sector_index], &REGIONS[region_index]);
    let nature = pick(rng, sector.natures);
    let channel = pick(rng, sector.channels);
    let (name, short_name, domain) = company_name(rng, sector, region, nature, channel);
    let status = pick_weighted(rng, STATUS_WEIGHTS);
    let monthly_volume = monthly_volume(rng, nature, channel);
    let big = monthly_volume.is_some_and(|v| v >= BIG_CUSTOMER_YUAN);
    let settled = matches!(
        status,
        CustomerStatus::Customer | CustomerStatus::Dormant | CustomerStatus::Lost
    );
    let tier = if settled && rng.random_bool(0.12) {
        Tier::Problem
    } else if (big && rng.random_bool(0.45)) || rng.random_bool(0.04) {
        Tier::Key
    } else {
        Tier::Ordinary
    };
    let code_prefix = if nature == Government { "11" } else { "91" };
    let credit_code = rng
        .random_bool(0.5)
        .then(|| credit_code(rng, code_prefix, region.division))
        .flatten();
    let phone = format!(
        "{}-{}{}",
        region.area_code,
        pick(rng, &['8', '8', '6', '5']),
        digits(rng, 7)
    );
    let building = match &short_name {
        Some(short) if domain.is_some() => format!("{short}大厦{}楼", rng.random_range(2..=28)),
        _ => format!("{}栋", rng.random_range(1..=9)),
    };
    // A district bureau is in its district.
    let district = match region.districts.iter().find(|d| name.contains(**d)) {
        Some(district) => district,
        None => pick(rng, region.districts),
    };
    let address = format!(
        "{}市{district}{}{}号{building}",
        region.city,
        pick(rng, ROADS),
        rng.random_range(1..=999)
    );
    let website = domain
        .as_ref()
        .filter(|_| rng.random_bool(0.5))
        .map(|d| format!("www.{d}"));
    let notes = if tier == Tier::Problem {
        Some(PROBLEM_NOTE.to_owned())
    } else {
        rng.random_bool(0.3)
            .then(|| pick(rng, CUSTOMER_NOTES).to_owned())
    };
    let owner = pick_weighted(rng, &team_sales_staff(region.team));
    CompanySpec {
        name,
        short_name,
        sector: sector_index,
        region: region_index,
        nature,
        channel,
        product: pick(rng, sector.products),
        tier,
        monthly_volume,
        credit_code,
        phone,
        address,
        website,
        domain,
        notes,
        status,
        owner,
    }
}

/// 海信集团, which the tests search for as `hx`: a key customer in Qingdao.
fn hisense(rng: &mut StdRng) -> CompanySpec {
    let sector = SECTORS
        .iter()
        .position(|s| s.industry == "电器")
        .unwrap_or_default();
    let region = REGIONS
        .iter()
        .position(|r| r.city == "青岛")
        .unwrap_or_default();
    CompanySpec {
        name: "海信集团".into(),
        short_name: Some("海信".into()),
        sector,
        region,
        nature: StateOwned,
        channel: Terminal,
        product: "复印纸",
        tier: Tier::Key,
        monthly_volume: Some(120_000),
        credit_code: credit_code(rng, "91", REGIONS[region].division),
        phone: format!("0532-8{}", digits(rng, 7)),
        address: "青岛市市南区东海西路17号海信大厦".into(),
        website: Some("www.hisense.com".into()),
        domain: Some("hisense.com".into()),
        notes: Some("集团统一采购，年度框架协议客户".into()),
        status: CustomerStatus::Customer,
        owner: pick_weighted(rng, &team_sales_staff(REGIONS[region].team)),
    }
}

/// `count` companies (fewer only if the name parts run out), 海信集团 first,
/// unique by their duplicate-check key.
fn companies(rng: &mut StdRng, count: usize) -> Vec<CompanySpec> {
    let mut seen = HashSet::new();
    let mut specs = Vec::with_capacity(count);
    let first = hisense(rng);
    seen.insert(normalize_name(&first.name));
    specs.push(first);
    for _ in 0..count * 20 {
        if specs.len() >= count {
            break;
        }
        let spec = company(rng);
        if seen.insert(normalize_name(&spec.name)) {
            specs.push(spec);
        }
    }
    specs
}

// ---------------------------------------------------------------------------
// Contacts
// ---------------------------------------------------------------------------

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "沈",
];

const GIVEN_NAMES: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "建华", "志强", "海燕", "晓明", "丽华", "国强", "文", "斌",
    "宇", "浩", "婷", "雪梅", "琳", "晨", "鹏", "辉", "健", "欣怡", "建国", "春梅", "玉兰", "红",
    "俊杰", "佳琪", "子豪", "思远", "慧敏", "立新", "永刚",
];

/// A position at a customer: title, department, how colleagues address the
/// holder after the surname (王经理, 李总; empty: by full name), and the
/// roles in the buying decision it usually has.
#[derive(Clone, Copy)]
struct Post {
    title: &'static str,
    department: &'static str,
    honorific: &'static str,
    roles: &'static [DecisionRole],
}

const fn post(
    title: &'static str,
    department: &'static str,
    honorific: &'static str,
    roles: &'static [DecisionRole],
) -> Post {
    Post {
        title,
        department,
        honorific,
        roles,
    }
}

const COMPANY_DECIDERS: &[Post] = &[
    post(
        "总经理",
        "总经办",
        "总",
        &[DecisionMaker, PurchasingApprover],
    ),
    post("副总经理", "总经办", "总", &[DecisionMaker]),
    post("采购总监", "采购部", "总监", &[DecisionMaker]),
    post("行政总监", "行政部", "总监", &[DecisionMaker, Requester]),
];

const COMPANY_STAFF: &[Post] = &[
    post("采购经理", "采购部", "经理", &[PurchasingExecutor]),
    post("采购专员", "采购部", "", &[PurchasingExecutor]),
    post("行政主管", "行政部", "主管", &[UserRole, Requester]),
    post("财务总监", "财务部", "总监", &[PurchasingApprover]),
    post("技术工程师", "技术部", "工", &[TechnicalEvaluator]),
    post("办公室主任", "办公室", "主任", &[Requester, UserRole]),
    post("仓库主管", "仓储部", "主管", &[UserRole]),
    post("前台文员", "行政部", "", &[UserRole]),
];

const BANK_DECIDERS: &[Post] = &[
    post("行政部总经理", "行政部", "总", &[DecisionMaker]),
    post(
        "办公室主任",
        "办公室",
        "主任",
        &[DecisionMaker, PurchasingApprover],
    ),
];

const BANK_STAFF: &[Post] = &[
    post("采购专员", "行政部", "", &[PurchasingExecutor]),
    post("行政主管", "行政部", "主管", &[UserRole, Requester]),
    post("财务经理", "财务部", "经理", &[PurchasingApprover]),
    post("科技部工程师", "科技部", "工", &[TechnicalEvaluator]),
];

const GOVERNMENT_DECIDERS: &[Post] = &[
    post("办公室主任", "办公室", "主任", &[DecisionMaker]),
    post(
        "副局长",
        "局领导",
        "局",
        &[DecisionMaker, PurchasingApprover],
    ),
];

const GOVERNMENT_STAFF: &[Post] = &[
    post("办公室科员", "办公室", "", &[UserRole, Requester]),
    post("采购专员", "综合科", "", &[PurchasingExecutor]),
    post("财务科科长", "财务科", "科长", &[PurchasingApprover]),
    post("信息科工程师", "信息科", "工", &[TechnicalEvaluator]),
];

/// The decision makers and the other staff a company of this sector has.
fn posts(sector: &Sector) -> (&'static [Post], &'static [Post]) {
    match sector.naming {
        Naming::Company(_) => (COMPANY_DECIDERS, COMPANY_STAFF),
        Naming::Bank => (BANK_DECIDERS, BANK_STAFF),
        Naming::Government => (GOVERNMENT_DECIDERS, GOVERNMENT_STAFF),
    }
}

const MOBILE_PREFIXES: &[&str] = &[
    "135", "136", "137", "138", "139", "133", "130", "158", "186", "189",
];

const NATIVE_PLACES: &[&str] = &[
    "广东潮州",
    "湖南长沙",
    "湖北黄冈",
    "江西赣州",
    "四川绵阳",
    "河南信阳",
    "山东潍坊",
    "浙江温州",
    "福建莆田",
    "江苏盐城",
    "安徽安庆",
    "广西桂林",
];

const HOBBIES: &[&str] = &[
    "打高尔夫",
    "钓鱼",
    "喝茶",
    "打羽毛球",
    "摄影",
    "跑步",
    "爬山",
    "书法",
    "打麻将",
    "看球赛",
    "自驾游",
    "下象棋",
];

const DECIDER_AUTHORITY: &[&str] = &[
    "可直接拍板10万元以下的采购",
    "年度供应商选择的最终决定人",
    "大额采购需报集团审批，本人有决定性建议权",
    "负责审批所有办公物资采购",
];

const COACH_AUTHORITY: &[&str] = &[
    "无审批权，但熟悉内部采购流程",
    "能提前获知招标和采购计划",
    "负责收集各部门需求，影响供应商推荐",
];

const STYLES: &[&str] = &[
    "做事干脆，讲究效率",
    "谨慎细致，重视数据和书面方案",
    "为人随和，喜欢聊天",
    "原则性强，不收礼",
    "看重长期合作和售后服务",
    "对价格敏感，善于谈判",
];

const FAMILIES: &[&str] = &[
    "已婚，女儿在读初中",
    "已婚，儿子刚上大学",
    "已婚，二胎家庭",
    "未婚",
    "已婚，妻子是中学教师",
    "已婚，孩子在国外读书",
];

/// How many demo companies in a row get one decision maker whose birthday
/// falls in the next seven days.
const BIRTHDAY_EVERY: usize = 25;

/// A contact to create and how the sales rep refers to them (王经理).
struct ContactPlan {
    draft: ContactDraft,
    label: String,
}

/// 1–4 contacts of company number `index`: a decision maker first, sometimes
/// an inside coach (内线), each with a mobile and some with e-mail and WeChat.
fn contact_plans(
    rng: &mut StdRng,
    spec: &CompanySpec,
    index: usize,
    today: NaiveDate,
) -> Vec<ContactPlan> {
    let (deciders, staff) = posts(&SECTORS[spec.sector]);
    let extra = pick_weighted(rng, &[(0, 25), (1, 35), (2, 25), (3, 15)]);
    let mut chosen = vec![pick(rng, deciders)];
    chosen.extend(staff.choose_multiple(rng, extra).copied());
    let coach =
        (chosen.len() > 1 && rng.random_bool(0.35)).then(|| rng.random_range(1..chosen.len()));
    let mut used_names = HashSet::new();
    chosen
        .into_iter()
        .enumerate()
        .map(|(i, post)| {
            let (surname, name) = loop {
                let surname = pick(rng, SURNAMES);
                let name = format!("{surname}{}", pick(rng, GIVEN_NAMES));
                if used_names.insert(name.clone()) {
                    break (surname, name);
                }
            };
            let mut roles = post.roles.to_vec();
            if coach == Some(i) {
                roles.push(DecisionRole::InsideCoach);
            }
            let upcoming = (i == 0 && index % BIRTHDAY_EVERY == 3)
                .then(|| today + Duration::days(((index / BIRTHDAY_EVERY) % 7) as i64));
            let draft = contact_draft(rng, spec, post, name.clone(), roles, (today, upcoming));
            let label = if post.honorific.is_empty() {
                format!("{}{name}", post.department)
            } else {
                format!("{surname}{}", post.honorific)
            };
            ContactPlan { draft, label }
        })
        .collect()
}

fn contact_draft(
    rng: &mut StdRng,
    spec: &CompanySpec,
    post: Post,
    name: String,
    roles: Vec<DecisionRole>,
    birthday: (NaiveDate, Option<NaiveDate>),
) -> ContactDraft {
    let decider = roles.contains(&DecisionMaker);
    let coach = roles.contains(&DecisionRole::InsideCoach);
    let mobile = format!("{}{}", pick(rng, MOBILE_PREFIXES), digits(rng, 8));
    let initials = pinyin_initials(&name).to_ascii_lowercase();
    let email = spec
        .domain
        .as_ref()
        .filter(|_| !initials.is_empty() && rng.random_bool(0.4))
        .map(|d| format!("{initials}{}@{d}", rng.random_range(1..100)));
    let wechat = match rng.random_range(0..10) {
        0..=2 => Some(mobile.clone()),
        3..=4 => Some(format!("wxid_{initials}{}", digits(rng, 4))),
        _ => None,
    };
    let influence = match (decider, post.roles.contains(&PurchasingApprover)) {
        (true, _) => rng.random_range(4..=5),
        (false, true) => rng.random_range(3..=5),
        _ => rng.random_range(1..=4),
    };
    let relationship = if coach {
        rng.random_range(4..=5)
    } else {
        rng.random_range(1..=5)
    };
    let phone = (decider && rng.random_bool(0.3))
        .then(|| format!("{}转{}", spec.phone, rng.random_range(800..=899)));
    let mut draft = ContactDraft {
        name,
        title: Some(post.title.to_owned()),
        department: Some(post.department.to_owned()),
        mobile: Some(mobile),
        phone,
        email,
        wechat,
        roles,
        influence: Some(influence),
        relationship: Some(relationship),
        ..ContactDraft::default()
    };
    if decider || coach {
        add_profile(rng, &mut draft, decider, birthday);
    }
    draft
}

/// The personal profile kept on key contacts (SPEC CLS-10): `birthday` is
/// today and, for a few, the coming birthday.
fn add_profile(
    rng: &mut StdRng,
    draft: &mut ContactDraft,
    decider: bool,
    (today, upcoming_birthday): (NaiveDate, Option<NaiveDate>),
) {
    let age: u8 = rng.random_range(28..=58);
    let birth_year = today.year() - i32::from(age);
    let year = rng.random_bool(0.7).then_some(birth_year);
    draft.birthday = match upcoming_birthday {
        Some(day) => solar_birthday(year, day.month(), day.day()),
        None if rng.random_bool(0.3) => Birthday::new(
            BirthdayCalendar::Lunar,
            year,
            rng.random_range(1..=12),
            rng.random_range(1..=30),
            false,
        )
        .ok(),
        None => solar_birthday(year, rng.random_range(1..=12), rng.random_range(1..=28)),
    };
    draft.age = Some(age);
    draft.native_place = Some(pick(rng, NATIVE_PLACES).to_owned());
    let hobby_count = rng.random_range(1..=2);
    let hobbies: Vec<&str> = HOBBIES.choose_multiple(rng, hobby_count).copied().collect();
    draft.hobbies = Some(hobbies.join("、"));
    draft.tenure_years = Some(rng.random_range(1..=(age - 22).min(20)));
    let authority = if decider {
        DECIDER_AUTHORITY
    } else {
        COACH_AUTHORITY
    };
    draft.authority = Some(pick(rng, authority).to_owned());
    draft.style = Some(pick(rng, STYLES).to_owned());
    draft.family = rng.random_bool(0.8).then(|| pick(rng, FAMILIES).to_owned());
}

/// A solar birthday; without the year when that year has no such day (29 Feb).
fn solar_birthday(year: Option<i32>, month: u32, day: u32) -> Option<Birthday> {
    let (month, day) = (u8::try_from(month).ok()?, u8::try_from(day).ok()?);
    Birthday::new(BirthdayCalendar::Solar, year, month, day, false)
        .or_else(|_| Birthday::new(BirthdayCalendar::Solar, None, month, day, false))
        .ok()
}

// ---------------------------------------------------------------------------
// Follow-up records
// ---------------------------------------------------------------------------

const METHOD_WEIGHTS: &[(ActivityMethod, u32)] = &[
    (Visit, 30),
    (Phone, 30),
    (Message, 15),
    (Email, 10),
    (Meeting, 8),
    (Gift, 3),
    (ActivityMethod::Other, 4),
];

// In the texts, `{c}` is the contact met (王经理), `{p}` the product
// category, `{n}` a quantity.
const FIRST_VISITS: &[&str] = &[
    "初次拜访{c}，递交公司资料和{p}产品目录",
    "经朋友介绍上门拜访{c}，了解办公用品的采购流程",
];

const FIRST_CALLS: &[&str] = &[
    "电话联系{c}，介绍我司及{p}产品，对方同意接收资料",
    "初次致电{c}，了解目前{p}的供应商和月用量",
];

const VISITS: &[&str] = &[
    "拜访{c}，介绍新款{p}并留样",
    "上门拜访{c}，了解{p}月用量和现有供应商",
    "拜访{c}，沟通上季度供货情况及付款周期",
    "陪同经理拜访{c}，商谈年度框架协议",
    "拜访{c}，现场演示{p}，对方对品质比较认可",
    "送样品到客户处，交给{c}试用",
    "拜访{c}，处理上批{p}的质量投诉",
    "到客户仓库清点库存，与{c}确认补货数量",
];

const PHONE_CALLS: &[&str] = &[
    "电话跟进报价反馈，{c}表示价格还需内部讨论",
    "电话联系{c}，确认样品试用情况",
    "致电{c}，预约下周上门拜访",
    "电话回访{c}，了解{p}使用情况",
    "电话与{c}沟通本月订单及交货时间",
    "{c}来电询问{p}新品价格",
];

const EMAILS: &[&str] = &[
    "给{c}发送{p}报价单及产品目录",
    "邮件发送年度合作方案，抄送{c}",
    "发送上月对账单，请{c}确认",
    "回复{c}关于{p}规格参数的询问",
];

const MESSAGES: &[&str] = &[
    "微信发送新品图片给{c}",
    "微信提醒{c}本周到货时间",
    "节日短信问候{c}，顺便介绍{p}促销活动",
    "微信与{c}确认送货地址和收货人",
];

const MEETINGS: &[&str] = &[
    "参加客户组织的{p}供应商评审会，{c}出席",
    "与{c}及技术部开会讨论{p}技术要求",
    "在我司接待{c}来访，参观仓库和展厅",
    "参加客户年度招标说明会，{c}介绍采购计划",
];

const OTHER_CONTACTS: &[&str] = &[
    "在行业展会上遇到{c}，交换名片",
    "{c}来电投诉送货延迟，已协调物流补送",
    "通过{c}了解到客户明年的预算安排",
];

/// Gifts with the range of their value in yuan.
const GIFTS: &[(&str, i64, i64)] = &[
    ("中秋节给{c}送月饼礼盒", 200, 600),
    ("春节给{c}送年货礼盒", 300, 800),
    ("端午节给{c}送粽子礼盒", 100, 300),
    ("{c}生日，送花篮和贺卡", 200, 500),
    ("给{c}送公司定制台历和笔记本", 50, 150),
];

const PROGRESS: &[&str] = &[
    "对方有采购意向，要求提供报价",
    "样品试用反馈良好",
    "价格比现有供应商高约5%，需申请特价",
    "已进入对方供应商名录",
    "本月下单{n}箱{p}",
    "采购流程需财务审批，预计两周",
    "竞争对手也在接触，需加快进度",
    "已确认合作意向，待签合同",
    "暂无新需求，保持联系",
    "上批货已签收，无质量问题",
    "对账完成，货款已到账",
    "对方要求月结60天，需请示经理",
];

const NEXT_STEPS: &[&str] = &[
    "下周送样品",
    "准备正式报价单",
    "向经理申请特价",
    "安排技术人员上门演示",
    "约采购经理面谈",
    "跟进合同签订",
    "月底前完成对账",
    "节前再拜访一次",
    "寄送产品目录和价格表",
    "确认下批订单数量",
    "催收上月货款",
    "邀请参加新品发布会",
];

const POSITIVE_NOTES: &[&str] = &[
    "对产品质量满意",
    "主动询问交货期和账期",
    "愿意推荐给兄弟单位",
];
const NEUTRAL_NOTES: &[&str] = &["态度一般，需进一步了解需求", "表示要再比较几家"];
const NEGATIVE_NOTES: &[&str] = &["认为价格偏高", "对上次送货延迟不满", "表示近期预算紧张"];

fn texts(method: ActivityMethod, first: bool) -> &'static [&'static str] {
    match (method, first) {
        (Visit, true) => FIRST_VISITS,
        (Phone, true) => FIRST_CALLS,
        (Visit, false) => VISITS,
        (Phone, false) => PHONE_CALLS,
        (Email, _) => EMAILS,
        (Message, _) => MESSAGES,
        (Meeting, _) => MEETINGS,
        _ => OTHER_CONTACTS,
    }
}

fn attitude_notes(attitude: Attitude) -> &'static [&'static str] {
    match attitude {
        Attitude::Positive => POSITIVE_NOTES,
        Attitude::Neutral => NEUTRAL_NOTES,
        Attitude::Negative => NEGATIVE_NOTES,
    }
}

fn fill(text: &str, contact: &str, product: &str, quantity: u32) -> String {
    text.replace("{c}", contact)
        .replace("{p}", product)
        .replace("{n}", &quantity.to_string())
}

/// A contact of the customer: their id and how the rep refers to them.
#[derive(Debug, Clone)]
struct Met {
    id: ContactId,
    label: String,
}

/// How many records a customer in this status has.
fn activity_count(rng: &mut StdRng, status: CustomerStatus) -> usize {
    use CustomerStatus::*;
    match status {
        Prospect => rng.random_range(1..=4),
        Target => rng.random_range(3..=7),
        Developing => rng.random_range(7..=14),
        Customer => rng.random_range(12..=24),
        Dormant => rng.random_range(5..=12),
        Lost => rng.random_range(4..=10),
    }
}

/// How many days ago the records of a customer in this status happened: a
/// dormant or lost customer has none recently.
fn days_ago(status: CustomerStatus) -> std::ops::RangeInclusive<i64> {
    use CustomerStatus::*;
    match status {
        Prospect => 1..=60,
        Target => 1..=150,
        Developing => 1..=240,
        Customer => 1..=365,
        Dormant => 120..=365,
        Lost => 45..=365,
    }
}

/// The follow-up date of a customer's latest record: overdue, today, in the
/// next two weeks, or none; none for a dormant or lost customer.
fn last_follow_up(
    rng: &mut StdRng,
    status: CustomerStatus,
    date: NaiveDate,
    today: NaiveDate,
) -> Option<NaiveDate> {
    if matches!(status, CustomerStatus::Dormant | CustomerStatus::Lost) {
        return None;
    }
    match pick_weighted(rng, &[(0, 25), (1, 12), (2, 50), (3, 13)]) {
        0 => Some((today - Duration::days(rng.random_range(1..=20))).max(date)),
        1 => Some(today),
        2 => Some(today + Duration::days(rng.random_range(1..=14))),
        _ => None,
    }
}

/// The follow-up records of one customer over the last year, oldest first.
fn activity_drafts(
    rng: &mut StdRng,
    customer_id: CustomerId,
    spec: &CompanySpec,
    contacts: &[Met],
    now: DateTime<Utc>,
) -> Vec<ActivityDraft> {
    let today = now.date_naive();
    let count = activity_count(rng, spec.status);
    // Between 09:00 and 19:00 Beijing time, which is the same date in UTC.
    let mut times: Vec<DateTime<Utc>> = (0..count)
        .map(|_| {
            let date = today - Duration::days(rng.random_range(days_ago(spec.status)));
            date.and_time(NaiveTime::MIN).and_utc()
                + Duration::minutes(rng.random_range(12..132) * 5)
        })
        .collect();
    times.sort_unstable();
    let dates: Vec<NaiveDate> = times.iter().map(DateTime::date_naive).collect();
    times
        .iter()
        .zip(&dates)
        .enumerate()
        .map(|(i, (&occurred_at, &date))| {
            let next_follow_up = match dates.get(i + 1) {
                Some(&next) => rng.random_bool(0.6).then(|| {
                    date + Duration::days(rng.random_range(1..=(next - date).num_days().max(1)))
                }),
                None => last_follow_up(rng, spec.status, date, today),
            };
            ActivityDraft {
                next_follow_up,
                ..activity_draft(
                    rng,
                    spec,
                    contacts,
                    customer_id,
                    occurred_at.min(now),
                    i == 0,
                )
            }
        })
        .collect()
}

/// What happened in one record (the first with a customer is an
/// introduction), without a follow-up date.
fn activity_draft(
    rng: &mut StdRng,
    spec: &CompanySpec,
    contacts: &[Met],
    customer_id: CustomerId,
    occurred_at: DateTime<Utc>,
    first: bool,
) -> ActivityDraft {
    let mut method = if first {
        pick(rng, &[Visit, Phone])
    } else {
        pick_weighted(rng, METHOD_WEIGHTS)
    };
    if method == Gift
        && matches!(
            spec.status,
            CustomerStatus::Prospect | CustomerStatus::Target
        )
    {
        method = Message;
    }
    let met: Vec<&Met> = match method {
        Visit | Meeting => {
            let count = rng.random_range(1..=2);
            contacts.choose_multiple(rng, count).collect()
        }
        _ if rng.random_bool(0.85) => contacts.choose(rng).into_iter().collect(),
        _ => Vec::new(),
    };
    let contact = met.first().map_or("对方负责人", |m| m.label.as_str());
    let quantity = rng.random_range(2..=50) * 10;
    let (text, gift_value) = if method == Gift {
        let (text, low, high) = pick(rng, GIFTS);
        (
            text,
            Some(Decimal::from(rng.random_range(low / 10..=high / 10) * 10)),
        )
    } else {
        (pick(rng, texts(method, first)), None)
    };
    let attitude = if spec.status == CustomerStatus::Lost {
        pick_weighted(
            rng,
            &[
                (Attitude::Positive, 15),
                (Attitude::Neutral, 35),
                (Attitude::Negative, 50),
            ],
        )
    } else {
        pick_weighted(
            rng,
            &[
                (Attitude::Positive, 50),
                (Attitude::Neutral, 35),
                (Attitude::Negative, 15),
            ],
        )
    };
    ActivityDraft {
        customer_id,
        contact_ids: met.iter().map(|m| m.id).collect(),
        occurred_at,
        method,
        duration_minutes: match method {
            Visit => Some(rng.random_range(4..=24) * 5),
            Meeting => Some(rng.random_range(9..=30) * 5),
            _ => None,
        },
        content: fill(text, contact, spec.product, quantity),
        progress: rng
            .random_bool(0.7)
            .then(|| fill(pick(rng, PROGRESS), contact, spec.product, quantity)),
        attitude: Some(attitude),
        attitude_note: rng
            .random_bool(0.4)
            .then(|| pick(rng, attitude_notes(attitude)).to_owned()),
        next_step: rng
            .random_bool(0.75)
            .then(|| pick(rng, NEXT_STEPS).to_owned()),
        next_follow_up: None,
        gift_value,
        owner_id: None,
    }
}

// ---------------------------------------------------------------------------
// Loading through the use cases
// ---------------------------------------------------------------------------

const CONTACT_STREAM: u64 = 1;
const ACTIVITY_STREAM: u64 = 2;

/// The random stream of one company's contacts or records, independent of
/// the others: a company skipped as a duplicate changes nothing else.
fn stream(kind: u64, index: usize) -> StdRng {
    StdRng::seed_from_u64(SEED ^ (kind << 40) ^ index as u64)
}

/// Reports the progress of one stage every few steps and at its end.
struct Stage<'a> {
    progress: &'a (dyn Fn(DemoProgress) + Send + Sync),
    stage: &'static str,
    done: u64,
    total: u64,
}

impl<'a> Stage<'a> {
    const EVERY: u64 = 25;

    fn start(
        progress: &'a (dyn Fn(DemoProgress) + Send + Sync),
        stage: &'static str,
        total: usize,
    ) -> Self {
        let stage = Stage {
            progress,
            stage,
            done: 0,
            total: total as u64,
        };
        stage.report();
        stage
    }

    fn report(&self) {
        (self.progress)(DemoProgress {
            stage: self.stage,
            done: self.done,
            total: self.total,
        });
    }

    fn step(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(Self::EVERY) || self.done == self.total {
            self.report();
        }
    }
}

/// A demo customer as stored, with the plan it came from and its contacts.
struct Created<'s> {
    spec: &'s CompanySpec,
    /// The company's place in the plan, which seeds its random streams.
    index: usize,
    customer: Customer,
    contacts: Vec<Met>,
}

/// The actor of the demo user at `index` in [`USERS`].
fn actor_at(actors: &[Actor], index: usize) -> AppResult<&Actor> {
    actors
        .get(index)
        .ok_or_else(|| AppError::Internal(format!("no demo user number {index}")))
}

impl App {
    /// Loads the demo data set: users (password [`DEMO_PASSWORD`]), two
    /// sales teams, about 300 customers with their contacts and a year of
    /// follow-up records, all through the use cases. Does nothing and answers
    /// `None` when the demo is loaded already; refuses when a demo username or
    /// team name is taken by something else.
    pub async fn load_demo(
        &self,
        progress: &(dyn Fn(DemoProgress) + Send + Sync),
    ) -> AppResult<Option<DemoSummary>> {
        if self.demo_loaded().await? {
            return Ok(None);
        }
        let (actors, teams) = self.create_demo_people(progress).await?;
        let specs = companies(&mut StdRng::seed_from_u64(SEED), COMPANY_COUNT);
        let mut created = self
            .create_demo_customers(&actors, &specs, progress)
            .await?;
        let contacts = self
            .create_demo_contacts(&actors, &mut created, progress)
            .await?;
        let activities = self
            .create_demo_activities(&actors, &created, progress)
            .await?;
        Ok(Some(DemoSummary {
            users: actors.len(),
            teams,
            customers: created.len(),
            contacts,
            activities,
        }))
    }

    /// Whether the demo is loaded; an error when only some of its usernames
    /// or team names are taken.
    async fn demo_loaded(&self) -> AppResult<bool> {
        let mut taken = Vec::new();
        for demo in USERS {
            let username = Username::parse(demo.username)?;
            let found = self
                .store
                .find_user_credentials(&username)
                .await
                .map_err(AppError::store("user"))?;
            if found.is_some() {
                taken.push(demo.username);
            }
        }
        if taken.contains(&MARKER_USER) {
            return Ok(true);
        }
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let teams = self
                .store
                .list_teams(&page)
                .await
                .map_err(AppError::store("team"))?;
            taken.extend(
                TEAMS
                    .iter()
                    .filter(|name| teams.items.iter().any(|t| t.name == **name)),
            );
            match teams.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        if taken.is_empty() {
            Ok(false)
        } else {
            Err(AppError::Conflict(format!(
                "the demo cannot be loaded: {} exist already",
                taken.join(", ")
            )))
        }
    }

    /// The demo users, as actors in [`USERS`] order, and the number of teams.
    /// A team's manager must exist before the team; the managers themselves
    /// stay without a team, since only an admin may change a team later.
    async fn create_demo_people(
        &self,
        progress: &(dyn Fn(DemoProgress) + Send + Sync),
    ) -> AppResult<(Vec<Actor>, usize)> {
        let mut stage = Stage::start(progress, "users", USERS.len() + TEAMS.len());
        let is_manager = |demo: &DemoUser| demo.role == Role::Manager;
        let mut users: Vec<Option<User>> = vec![None; USERS.len()];
        for (i, demo) in USERS.iter().enumerate().filter(|(_, u)| is_manager(u)) {
            users[i] = Some(self.create_demo_user(demo, None).await?);
            stage.step();
        }
        let mut team_ids = Vec::with_capacity(TEAMS.len());
        for (t, name) in TEAMS.iter().enumerate() {
            let manager_id = USERS
                .iter()
                .zip(&users)
                .find(|(demo, _)| is_manager(demo) && demo.team == Some(t))
                .and_then(|(_, user)| user.as_ref())
                .map(|user| user.id);
            let draft = TeamDraft {
                name: (*name).to_owned(),
                manager_id,
            };
            team_ids.push(self.create_team(None, draft).await?.id);
            stage.step();
        }
        for (i, demo) in USERS.iter().enumerate().filter(|(_, u)| !is_manager(u)) {
            let team_id = demo.team.and_then(|t| team_ids.get(t).copied());
            users[i] = Some(self.create_demo_user(demo, team_id).await?);
            stage.step();
        }
        let actors = users
            .into_iter()
            .map(|user| {
                user.map(|user| Actor { user })
                    .ok_or_else(|| AppError::Internal("a demo user was not created".into()))
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok((actors, team_ids.len()))
    }

    async fn create_demo_user(&self, demo: &DemoUser, team_id: Option<TeamId>) -> AppResult<User> {
        let draft = UserDraft {
            username: demo.username.to_owned(),
            display_name: Some(demo.name.to_owned()),
            role: demo.role,
            team_id,
            active: true,
        };
        self.create_user(None, draft, DEMO_PASSWORD).await
    }

    /// Creates the companies as their owners, skipping any that duplicates
    /// an existing customer, and moves each along the lifecycle.
    async fn create_demo_customers<'s>(
        &self,
        actors: &[Actor],
        specs: &'s [CompanySpec],
        progress: &(dyn Fn(DemoProgress) + Send + Sync),
    ) -> AppResult<Vec<Created<'s>>> {
        let mut stage = Stage::start(progress, "customers", specs.len());
        let mut created = Vec::with_capacity(specs.len());
        for (index, spec) in specs.iter().enumerate() {
            let actor = actor_at(actors, spec.owner)?;
            match self.create_customer(actor, spec.draft()).await {
                Ok(customer) => created.push(Created {
                    spec,
                    index,
                    customer: self
                        .move_demo_customer(actor, customer, spec.status)
                        .await?,
                    contacts: Vec::new(),
                }),
                Err(AppError::DuplicateCustomer { .. }) => {}
                Err(e) => return Err(e),
            }
            stage.step();
        }
        Ok(created)
    }

    /// Moves a new customer step by step to `status`, as a user would.
    async fn move_demo_customer(
        &self,
        actor: &Actor,
        mut customer: Customer,
        status: CustomerStatus,
    ) -> AppResult<Customer> {
        for &next in path_to(status) {
            customer = self
                .update_customer(actor, customer.id, customer.version, move |draft| {
                    Ok(CustomerDraft {
                        status: Some(next),
                        ..draft
                    })
                })
                .await?;
        }
        Ok(customer)
    }

    async fn create_demo_contacts(
        &self,
        actors: &[Actor],
        created: &mut [Created<'_>],
        progress: &(dyn Fn(DemoProgress) + Send + Sync),
    ) -> AppResult<usize> {
        let today = self.now().date_naive();
        let plans: Vec<Vec<ContactPlan>> = created
            .iter()
            .map(|c| contact_plans(&mut stream(CONTACT_STREAM, c.index), c.spec, c.index, today))
            .collect();
        let total = plans.iter().map(Vec::len).sum();
        let mut stage = Stage::start(progress, "contacts", total);
        for (c, plans) in created.iter_mut().zip(plans) {
            let actor = actor_at(actors, c.spec.owner)?;
            for plan in plans {
                let contact = self
                    .create_contact(actor, c.customer.id, plan.draft)
                    .await?;
                c.contacts.push(Met {
                    id: contact.id,
                    label: plan.label,
                });
                stage.step();
            }
        }
        Ok(total)
    }

    async fn create_demo_activities(
        &self,
        actors: &[Actor],
        created: &[Created<'_>],
        progress: &(dyn Fn(DemoProgress) + Send + Sync),
    ) -> AppResult<usize> {
        let now = self.now();
        let drafts: Vec<(usize, ActivityDraft)> = created
            .iter()
            .flat_map(|c| {
                let mut rng = stream(ACTIVITY_STREAM, c.index);
                activity_drafts(&mut rng, c.customer.id, c.spec, &c.contacts, now)
                    .into_iter()
                    .map(|draft| (c.spec.owner, draft))
            })
            .collect();
        let total = drafts.len();
        let mut stage = Stage::start(progress, "activities", total);
        for (owner, draft) in drafts {
            self.create_activity(actor_at(actors, owner)?, draft)
                .await?;
            stage.step();
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tuoke_core::{Activity, ActivityId, Contact, UserId};
    use uuid::Uuid;

    /// 2026-03-15 08:00 UTC.
    fn now() -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_527) + Duration::hours(8)
    }

    fn specs() -> Vec<CompanySpec> {
        companies(&mut StdRng::seed_from_u64(SEED), COMPANY_COUNT)
    }

    /// Every company with its contacts (fake ids) and follow-up records.
    fn plan() -> Vec<(CompanySpec, Vec<ContactPlan>, Vec<ActivityDraft>)> {
        let today = now().date_naive();
        let mut next_id = 0u128;
        let mut new_id = || {
            next_id += 1;
            Uuid::from_u128(next_id)
        };
        specs()
            .into_iter()
            .enumerate()
            .map(|(index, spec)| {
                let contacts =
                    contact_plans(&mut stream(CONTACT_STREAM, index), &spec, index, today);
                let met: Vec<Met> = contacts
                    .iter()
                    .map(|c| Met {
                        id: ContactId::from_uuid(new_id()),
                        label: c.label.clone(),
                    })
                    .collect();
                let customer_id = CustomerId::from_uuid(new_id());
                let records = activity_drafts(
                    &mut stream(ACTIVITY_STREAM, index),
                    customer_id,
                    &spec,
                    &met,
                    now(),
                );
                (spec, contacts, records)
            })
            .collect()
    }

    #[test]
    fn the_company_names_are_unique_and_include_hisense() {
        let specs = specs();
        assert_eq!(specs.len(), COMPANY_COUNT);
        let keys: HashSet<String> = specs.iter().map(|s| normalize_name(&s.name)).collect();
        assert_eq!(keys.len(), specs.len(), "names must be unique by key");
        let hisense: Vec<_> = specs.iter().filter(|s| s.name == "海信集团").collect();
        assert_eq!(hisense.len(), 1);
        assert_eq!(hisense[0].short_name.as_deref(), Some("海信"));
        assert!(specs.iter().any(|s| s.name.ends_with("局")));
        assert!(
            specs
                .iter()
                .any(|s| s.name.contains("银行") && s.name.ends_with("分行"))
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_demo() {
        let names = |specs: Vec<CompanySpec>| -> Vec<(String, usize, Option<CreditCode>)> {
            specs
                .into_iter()
                .map(|s| (s.name, s.owner, s.credit_code))
                .collect()
        };
        assert_eq!(names(specs()), names(specs()));
    }

    #[test]
    fn every_company_is_a_valid_customer_and_the_mix_is_varied() {
        let specs = specs();
        let owner = UserId::from_uuid(Uuid::from_u128(1));
        for spec in &specs {
            let id = CustomerId::from_uuid(Uuid::from_u128(2));
            let created = Customer::create(spec.draft(), id, owner, now());
            assert!(created.is_ok(), "{}: {created:?}", spec.name);
            if let Some(short) = &spec.short_name {
                assert!((2..=4).contains(&short.chars().count()), "{short}");
            }
        }
        for nature in CustomerNature::ALL {
            assert!(specs.iter().any(|s| s.nature == *nature), "{nature}");
        }
        for channel in ChannelType::ALL {
            assert!(specs.iter().any(|s| s.channel == *channel), "{channel}");
        }
        for status in CustomerStatus::ALL {
            assert!(specs.iter().any(|s| s.status == *status), "{status}");
        }
        for tier in Tier::ALL {
            assert!(specs.iter().any(|s| s.tier == *tier), "{tier}");
        }
        let count = |f: &dyn Fn(&CompanySpec) -> bool| specs.iter().filter(|s| f(s)).count();
        assert!(count(&|s| s.tier == Tier::Ordinary) > specs.len() / 2);
        assert!(count(&|s| s.monthly_volume >= Some(BIG_CUSTOMER_YUAN)) >= 20);
        let with_code = count(&|s| s.credit_code.is_some());
        assert!((100..=200).contains(&with_code), "{with_code} credit codes");
        assert!(count(&|s| s.short_name.is_some()) > specs.len() * 3 / 4);
        assert_eq!(REGIONS.len(), {
            let cities: HashSet<_> = specs.iter().map(|s| s.region).collect();
            cities.len()
        });
    }

    #[test]
    fn the_customers_are_spread_over_every_rep_and_manager() {
        let specs = specs();
        for (i, demo) in USERS.iter().enumerate() {
            let owned = specs.iter().filter(|s| s.owner == i).count();
            match demo.role {
                Role::Rep => assert!(owned >= 20, "{} owns {owned}", demo.username),
                Role::Manager => assert!(owned >= 5, "{} owns {owned}", demo.username),
                _ => assert_eq!(owned, 0, "{}", demo.username),
            }
        }
    }

    #[test]
    fn every_status_is_reached_by_allowed_moves_from_prospect() {
        for status in CustomerStatus::ALL {
            let mut at = CustomerStatus::Prospect;
            for &next in path_to(*status) {
                assert!(at.can_become(next) && next != at, "{at} -> {next}");
                at = next;
            }
            assert_eq!(at, *status);
        }
    }

    #[test]
    fn every_contact_is_valid_and_each_company_has_a_decision_maker() {
        let today = now().date_naive();
        let (mut contacts, mut coaches, mut birthdays_soon) = (0, 0, 0);
        for (spec, plans, _) in plan() {
            assert!((1..=4).contains(&plans.len()), "{}", spec.name);
            assert!(
                plans[0].draft.roles.contains(&DecisionMaker),
                "{}",
                spec.name
            );
            for plan in plans {
                let id = ContactId::from_uuid(Uuid::from_u128(1));
                let customer = CustomerId::from_uuid(Uuid::from_u128(2));
                let contact = Contact::create(plan.draft, id, customer, now());
                assert!(contact.is_ok(), "{}: {contact:?}", spec.name);
                let Ok(contact) = contact else { continue };
                contacts += 1;
                coaches += usize::from(contact.roles.contains(&DecisionRole::InsideCoach));
                let soon = contact.birthday.is_some_and(|b| {
                    b.calendar == BirthdayCalendar::Solar
                        && (0..7).any(|d| {
                            let day = today + Duration::days(d);
                            (u32::from(b.month), u32::from(b.day)) == (day.month(), day.day())
                        })
                });
                birthdays_soon += usize::from(soon);
            }
        }
        assert!((500..=900).contains(&contacts), "{contacts} contacts");
        assert!(coaches >= 40, "{coaches} inside coaches");
        assert!(birthdays_soon >= 5, "{birthdays_soon} birthdays this week");
    }

    #[test]
    fn every_record_is_valid_and_follow_ups_are_due_in_every_way() {
        let today = now().date_naive();
        let owner = UserId::from_uuid(Uuid::from_u128(1));
        let (mut total, mut overdue, mut due_today, mut upcoming, mut gifts) = (0, 0, 0, 0, 0);
        for (spec, _, records) in plan() {
            let mut previous = DateTime::<Utc>::MIN_UTC;
            for draft in records {
                assert!(draft.occurred_at >= previous && draft.occurred_at < now());
                previous = draft.occurred_at;
                if draft.method == Visit {
                    assert!(
                        draft
                            .duration_minutes
                            .is_some_and(|m| (20..=120).contains(&m))
                    );
                }
                let id = ActivityId::from_uuid(Uuid::from_u128(3));
                let record = Activity::create(draft, id, owner, now());
                assert!(record.is_ok(), "{}: {record:?}", spec.name);
                let Ok(record) = record else { continue };
                assert!(!record.content.contains('{'), "{}", record.content);
                total += 1;
                gifts += usize::from(record.gift_value.is_some());
                match record.next_follow_up {
                    Some(d) if d < today => overdue += 1,
                    Some(d) if d == today => due_today += 1,
                    Some(d) if d <= today + Duration::days(14) => upcoming += 1,
                    _ => {}
                }
            }
        }
        assert!((2_500..=3_500).contains(&total), "{total} records");
        assert!(due_today >= 5, "{due_today} due today");
        assert!(overdue >= 20, "{overdue} overdue");
        assert!(upcoming >= 50, "{upcoming} upcoming");
        assert!(gifts >= 10, "{gifts} gifts");
    }

    #[test]
    fn the_teams_have_a_manager_and_three_reps() {
        for team in [EAST, SOUTH] {
            let staff = team_sales_staff(team);
            let managers = staff.iter().filter(|(_, weight)| *weight == 1).count();
            assert_eq!((staff.len(), managers), (4, 1));
        }
    }
}
