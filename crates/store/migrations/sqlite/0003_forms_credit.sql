-- Form templates, filled forms, credit profiles and change requests,
-- financial periods and notifications. Keep it in step with
-- ../postgres/0003_forms_credit.sql (a test compares the two). Same
-- conventions as 0001 and 0002: text ids, integer microseconds, integer fen,
-- text codes. SQLite reports a composite rule's violation by its columns; the
-- store names it as PostgreSQL's constraint is named.

-- Versioned exactly like process templates: (key, version) is unique.
CREATE TABLE form_templates (
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    builtin INTEGER NOT NULL CHECK (builtin IN (0, 1)),
    created_at INTEGER NOT NULL,
    created_by TEXT,
    CONSTRAINT "form_templates.version" PRIMARY KEY (key, version)
);

-- A filled form: answers as JSON text, score and max_score in hundredths
-- (score × 100, exact), red flags as a JSON array of text. No foreign key on
-- filled_by: a filled form is history, kept when its user is gone.
CREATE TABLE forms (
    id TEXT PRIMARY KEY NOT NULL,
    template_key TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    case_id TEXT REFERENCES cases (id) ON DELETE CASCADE,
    answers TEXT NOT NULL,
    score INTEGER NOT NULL,
    max_score INTEGER NOT NULL,
    grade TEXT,
    capped INTEGER NOT NULL CHECK (capped IN (0, 1)),
    red_flags TEXT NOT NULL,
    filled_by TEXT NOT NULL,
    filled_at INTEGER NOT NULL
);
CREATE INDEX forms_customer_id_filled_at ON forms (customer_id, filled_at, id);
CREATE INDEX forms_case_id ON forms (case_id);
CREATE INDEX forms_template_key ON forms (template_key);

-- A customer's credit terms, one row per customer.
CREATE TABLE credit_profiles (
    customer_id TEXT PRIMARY KEY NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    grade TEXT,
    limit_fen INTEGER,
    payment_terms_days INTEGER,
    proposed_grade TEXT,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Credit-grade change requests. No foreign keys on the users: a decided
-- request is history, kept when its users are gone.
CREATE TABLE credit_changes (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    from_grade TEXT,
    to_grade TEXT NOT NULL,
    form_id TEXT,
    reason TEXT,
    status TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    triggered_at INTEGER NOT NULL,
    submit_due_at INTEGER NOT NULL,
    submitted_by TEXT,
    submitted_at INTEGER,
    verifier_id TEXT,
    verify_due_at INTEGER,
    decided_at INTEGER,
    review_opinion TEXT,
    version INTEGER NOT NULL
);
CREATE INDEX credit_changes_customer_id_status ON credit_changes (customer_id, status);
CREATE INDEX credit_changes_verifier_id_status ON credit_changes (verifier_id, status);
CREATE INDEX credit_changes_status_submit_due_at ON credit_changes (status, submit_due_at);
CREATE INDEX credit_changes_status_verify_due_at ON credit_changes (status, verify_due_at);

-- A customer's figures for one period (`YYYY-MM-DD` dates), in fen; net
-- profit may be negative.
CREATE TABLE financial_periods (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    current_assets_fen INTEGER,
    current_liabilities_fen INTEGER,
    revenue_fen INTEGER,
    net_profit_fen INTEGER,
    total_assets_fen INTEGER,
    accounts_receivable_fen INTEGER,
    inventory_fen INTEGER,
    cost_of_goods_sold_fen INTEGER,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT "financial_periods.period" UNIQUE (customer_id, period_start, period_end)
);

-- At most one notification per user and subject.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL,
    link TEXT,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    CONSTRAINT "notifications.subject" UNIQUE (user_id, subject)
);
CREATE INDEX notifications_user_id_created_at ON notifications (user_id, created_at, id);
