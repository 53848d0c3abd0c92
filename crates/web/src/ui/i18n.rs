//! The interface's words in Chinese and English. Templates read them as
//! `t.key`; domain values (statuses, roles…) use their own labels from core.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::session::Lang;

/// (key, Chinese, English)
const MESSAGES: &[(&str, &str, &str)] = &[
    ("app_name", "拓客", "Tuoke"),
    ("tagline", "客户开发系统", "Customer development"),
    ("nav_home", "我的一天", "My day"),
    ("nav_customers", "客户", "Customers"),
    ("nav_pipeline", "商机看板", "Pipeline"),
    ("nav_approvals", "审批", "Approvals"),
    ("nav_funnel", "漏斗报表", "Funnel"),
    ("nav_admin", "管理", "Admin"),
    ("nav_import", "导入", "Import"),
    (
        "import_hint",
        "CSV（UTF-8 或 GBK）或 Excel 文件，表头中英文皆可。默认一行有错则整个文件不导入；与已有记录匹配的行会更新它，重复导入是安全的。",
        "A CSV (UTF-8 or GBK) or Excel file with Chinese or English headers. By default one bad row rejects the whole file; rows matching an existing record update it, so importing again is safe.",
    ),
    ("import_kind", "导入内容", "What the file holds"),
    ("import_customers", "客户", "Customers"),
    ("import_contacts", "联系人", "Contacts"),
    ("import_activities", "拜访记录", "Visit records"),
    ("import_cases", "开发项目", "Development cases"),
    ("import_file", "文件", "File"),
    (
        "import_skip_invalid",
        "跳过有错的行，只导入正确的行",
        "Skip bad rows and import the good ones",
    ),
    ("import_submit", "导入", "Import"),
    ("import_done", "已导入", "Imported"),
    (
        "import_nothing",
        "文件有错误，未导入任何数据",
        "The file has problems; nothing was imported",
    ),
    ("import_created", "新建", "created"),
    ("import_updated", "更新", "updated"),
    ("import_unchanged", "未变", "unchanged"),
    ("import_rejected", "拒绝", "rejected"),
    ("import_ignored", "已忽略的列", "Ignored columns"),
    ("import_line", "行", "Line"),
    ("import_column", "列", "Column"),
    ("import_reason", "原因", "Reason"),
    (
        "import_download_rejects",
        "下载被拒绝的行（含错误原因），修改后重新导入",
        "Download the rejected rows (with the reasons), fix them and import again",
    ),
    ("logout", "退出", "Log out"),
    ("switch_lang", "English", "中文"),
    ("login_title", "登录拓客", "Log in to Tuoke"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("login", "登录", "Log in"),
    (
        "login_failed",
        "用户名或密码错误",
        "Wrong username or password",
    ),
    (
        "login_limited",
        "尝试次数过多，请稍后再试",
        "Too many attempts; try again later",
    ),
    ("search", "搜索", "Search"),
    (
        "search_hint",
        "名称、简称或拼音首字母（如 hx）",
        "Name, short name or pinyin initials (e.g. hx)",
    ),
    ("filter", "筛选", "Filter"),
    ("all", "全部", "All"),
    ("clear", "清除", "Clear"),
    ("sort", "排序", "Sort"),
    ("sort_newest", "最新", "Newest"),
    ("sort_name", "名称", "Name"),
    ("sort_updated", "最近修改", "Recently changed"),
    ("name", "名称", "Name"),
    ("short_name", "简称", "Short name"),
    (
        "credit_code",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    ("nature", "客户性质", "Nature"),
    ("channel", "渠道类型", "Channel type"),
    ("industry", "行业", "Industry"),
    ("product_category", "产品类别", "Product category"),
    ("province", "省份", "Province"),
    ("city", "城市", "City"),
    ("region", "地区", "Region"),
    ("tier", "客户层级", "Tier"),
    ("abc_class", "ABC 分类", "ABC class"),
    ("status", "状态", "Status"),
    ("owner", "负责人", "Owner"),
    (
        "monthly_volume",
        "月采购额（元）",
        "Monthly purchases (yuan)",
    ),
    ("address", "地址", "Address"),
    ("phone", "电话", "Phone"),
    ("website", "网址", "Website"),
    ("notes", "备注", "Notes"),
    ("new_customer", "新建客户", "New customer"),
    ("create", "创建", "Create"),
    ("save", "保存", "Save"),
    ("cancel", "取消", "Cancel"),
    ("next_page", "下一页", "Next page"),
    ("no_results", "没有找到记录", "Nothing found"),
    (
        "duplicate_warning",
        "已存在同名或同信用代码的客户",
        "A customer with this name or credit code exists",
    ),
    ("customer_count", "个客户", "customers"),
    ("profile", "基本资料", "Profile"),
    ("classification", "分类", "Classification"),
    ("credit", "信用", "Credit"),
    ("credit_grade", "信用等级", "Credit grade"),
    ("credit_limit", "信用额度", "Credit limit"),
    ("payment_terms", "账期（天）", "Payment terms (days)"),
    ("proposed_grade", "建议等级", "Proposed grade"),
    ("financials", "财务指标", "Financial indicators"),
    ("contacts", "联系人", "Contacts"),
    ("no_role", "未指定角色", "No role"),
    ("timeline", "跟进记录", "Follow-up records"),
    ("cases", "开发项目", "Development cases"),
    ("forms", "表格", "Forms"),
    ("fill_form", "填写表格", "Fill a form"),
    ("log_visit", "记录拜访", "Log a visit"),
    ("method", "方式", "Method"),
    ("contacts_met", "访问对象", "Contacts met"),
    ("occurred_at", "日期和时间", "Date and time"),
    ("duration", "滞留时间（分钟）", "Duration (minutes)"),
    ("duration_minutes", "滞留时间（分钟）", "Duration (minutes)"),
    ("content", "内容", "Content"),
    ("progress", "业务进度", "Progress"),
    ("attitude", "客户态度", "Attitude"),
    ("next_step", "下一步", "Next step"),
    ("next_follow_up", "下次跟进日期", "Next follow-up"),
    ("gift_value", "礼品价值（元）", "Gift value (yuan)"),
    ("saved", "已保存", "Saved"),
    (
        "follow_ups_due",
        "今天及逾期的跟进",
        "Follow-ups due today and overdue",
    ),
    (
        "cases_due",
        "阶段期限临近或已过的项目",
        "Cases with a stage deadline near or past",
    ),
    ("approvals_waiting", "待我审批", "Approvals waiting for me"),
    ("week_plan", "本周计划", "This week's plan"),
    (
        "birthdays",
        "近 7 天生日的联系人",
        "Contacts' birthdays in the next 7 days",
    ),
    ("nothing_due", "没有待办事项", "Nothing due"),
    ("overdue", "已逾期", "Overdue"),
    ("due", "期限", "Due"),
    ("stage", "阶段", "Stage"),
    ("amount", "金额（元）", "Amount (yuan)"),
    ("days_in_stage", "本阶段天数", "Days in stage"),
    ("template", "流程", "Process"),
    ("advance", "推进", "Advance"),
    ("mark_won", "成交", "Mark won"),
    (
        "gate_missing",
        "推进前尚缺：",
        "Still missing before it can advance:",
    ),
    ("gate_open", "可以推进", "Ready to advance"),
    ("checklist", "检查项", "Checklist"),
    ("goal", "推进目标", "Goal"),
    ("history", "历史记录", "History"),
    ("approve", "批准", "Approve"),
    ("reject", "驳回", "Reject"),
    ("comment", "意见", "Comment"),
    (
        "approval_requested",
        "已提交审批，等待经理批准",
        "Approval requested from the manager",
    ),
    ("list_view", "列表", "List"),
    ("board_view", "看板", "Board"),
    ("score", "得分", "Score"),
    ("grade", "等级", "Grade"),
    ("red_flags", "警示项", "Red flags"),
    ("submit", "提交", "Submit"),
    ("open_cases", "进行中", "Open"),
    ("weighted", "加权金额", "Weighted"),
    ("conversion", "转化率", "Conversion"),
    ("win_rate", "赢单率", "Win rate"),
    ("avg_days", "平均天数", "Average days"),
    ("users", "用户", "Users"),
    ("teams", "团队", "Teams"),
    ("templates", "模板", "Templates"),
    ("role", "角色", "Role"),
    ("upload", "上传新版本", "Upload a new version"),
    ("version", "版本", "Version"),
    ("manager", "经理", "Manager"),
    ("new_case", "新建开发项目", "New development case"),
    ("reason", "原因", "Reason"),
    ("terminate", "终止", "Terminate"),
    ("mark_lost", "丢单", "Mark lost"),
    ("yes", "是", "Yes"),
    ("no", "否", "No"),
    ("error", "出错了", "Something went wrong"),
    ("not_found", "找不到该页面或记录", "No such page or record"),
    ("back", "返回", "Back"),
    ("period_from", "开始日期", "From"),
    ("period_to", "结束日期", "To"),
    ("export_xlsx", "导出 Excel", "Export Excel"),
    ("export_csv", "导出 CSV", "Export CSV"),
    (
        "export_hint",
        "（当前筛选的全部客户，不止本页）",
        "(every customer the filters select, not only this page)",
    ),
    (
        "export_visit_record",
        "导出开发记录表",
        "Export visit record",
    ),
];

static TABLES: OnceLock<[BTreeMap<&'static str, &'static str>; 2]> = OnceLock::new();

/// Every message in a language, for the templates.
pub fn messages(lang: Lang) -> &'static BTreeMap<&'static str, &'static str> {
    let tables = TABLES.get_or_init(|| {
        [
            MESSAGES.iter().map(|(k, zh, _)| (*k, *zh)).collect(),
            MESSAGES.iter().map(|(k, _, en)| (*k, *en)).collect(),
        ]
    });
    match lang {
        Lang::Zh => &tables[0],
        Lang::En => &tables[1],
    }
}

/// One message.
pub fn t(lang: Lang, key: &str) -> &'static str {
    messages(lang).get(key).copied().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages_and_a_unique_key() {
        let mut keys = std::collections::BTreeSet::new();
        for (k, zh, en) in MESSAGES {
            assert!(keys.insert(k), "{k} twice");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
    }
}
