-- Form templates, filled forms, credit profiles and change requests,
-- financial periods and notifications. Keep it in step with
-- ../sqlite/0003_forms_credit.sql (a test compares the two). Same conventions
-- as 0001 and 0002: text ids, microsecond BIGINT timestamps, integer fen,
-- text codes, "C" collation on text that is sorted or compared, named unique
-- rules.

-- Versioned exactly like process templates: (key, version) is unique.
CREATE TABLE form_templates (
    key TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    source TEXT NOT NULL,
    builtin BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT COLLATE "C",
    CONSTRAINT "form_templates.version" PRIMARY KEY (key, version)
);

-- A filled form: answers as JSON text, score and max_score in hundredths
-- (score × 100, exact), red flags as a JSON array of text. No foreign key on
-- filled_by: a filled form is history, kept when its user is gone.
CREATE TABLE forms (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    template_key TEXT COLLATE "C" NOT NULL,
    template_version BIGINT NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    case_id TEXT COLLATE "C" REFERENCES cases (id) ON DELETE CASCADE,
    answers TEXT NOT NULL,
    score BIGINT NOT NULL,
    max_score BIGINT NOT NULL,
    grade TEXT COLLATE "C",
    capped BOOLEAN NOT NULL,
    red_flags TEXT NOT NULL,
    filled_by TEXT COLLATE "C" NOT NULL,
    filled_at BIGINT NOT NULL
);
CREATE INDEX forms_customer_id_filled_at ON forms (customer_id, filled_at, id);
CREATE INDEX forms_case_id ON forms (case_id);
CREATE INDEX forms_template_key ON forms (template_key);

-- A customer's credit terms, one row per customer.
CREATE TABLE credit_profiles (
    customer_id TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    grade TEXT COLLATE "C",
    limit_fen BIGINT,
    payment_terms_days BIGINT,
    proposed_grade TEXT COLLATE "C",
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Credit-grade change requests. No foreign keys on the users: a decided
-- request is history, kept when its users are gone.
CREATE TABLE credit_changes (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    from_grade TEXT COLLATE "C",
    to_grade TEXT COLLATE "C" NOT NULL,
    form_id TEXT COLLATE "C",
    reason TEXT,
    status TEXT COLLATE "C" NOT NULL,
    raised_by TEXT COLLATE "C" NOT NULL,
    triggered_at BIGINT NOT NULL,
    submit_due_at BIGINT NOT NULL,
    submitted_by TEXT COLLATE "C",
    submitted_at BIGINT,
    verifier_id TEXT COLLATE "C",
    verify_due_at BIGINT,
    decided_at BIGINT,
    review_opinion TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX credit_changes_customer_id_status ON credit_changes (customer_id, status);
CREATE INDEX credit_changes_verifier_id_status ON credit_changes (verifier_id, status);
CREATE INDEX credit_changes_status_submit_due_at ON credit_changes (status, submit_due_at);
CREATE INDEX credit_changes_status_verify_due_at ON credit_changes (status, verify_due_at);

-- A customer's figures for one period (`YYYY-MM-DD` dates), in fen; net
-- profit may be negative.
CREATE TABLE financial_periods (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    period_start TEXT COLLATE "C" NOT NULL,
    period_end TEXT COLLATE "C" NOT NULL,
    current_assets_fen BIGINT,
    current_liabilities_fen BIGINT,
    revenue_fen BIGINT,
    net_profit_fen BIGINT,
    total_assets_fen BIGINT,
    accounts_receivable_fen BIGINT,
    inventory_fen BIGINT,
    cost_of_goods_sold_fen BIGINT,
    created_by TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT "financial_periods.period" UNIQUE (customer_id, period_start, period_end)
);

-- At most one notification per user and subject.
CREATE TABLE notifications (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject TEXT COLLATE "C" NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL,
    link TEXT,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    CONSTRAINT "notifications.subject" UNIQUE (user_id, subject)
);
CREATE INDEX notifications_user_id_created_at ON notifications (user_id, created_at, id);
