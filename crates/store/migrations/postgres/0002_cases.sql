-- Process templates, development cases with their checklist and history,
-- approvals and the working-day calendar. Keep it in step with
-- ../sqlite/0002_cases.sql (a test compares the two). Same conventions as
-- 0001: text ids, microsecond BIGINT timestamps, integer fen, text codes,
-- "C" collation on text that is sorted or compared, named unique rules.

-- Every uploaded version is kept: (key, version) is unique. No foreign key on
-- created_by: like the audit log, a template outlives the user who sent it.
CREATE TABLE process_templates (
    key TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    source TEXT NOT NULL,
    builtin BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT COLLATE "C",
    CONSTRAINT "process_templates.version" PRIMARY KEY (key, version)
);

CREATE TABLE cases (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    template_key TEXT COLLATE "C" NOT NULL,
    template_version BIGINT NOT NULL,
    title TEXT NOT NULL,
    owner_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    expected_amount_fen BIGINT,
    expected_close_date TEXT COLLATE "C",
    competitors TEXT,
    obstacles TEXT,
    expected_cost_fen BIGINT,
    next_step TEXT,
    status TEXT COLLATE "C" NOT NULL,
    stage TEXT COLLATE "C" NOT NULL,
    stage_entered_at BIGINT NOT NULL,
    stage_due_at BIGINT,
    outcome_reason TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cases_owner_id_status ON cases (owner_id, status, id);
CREATE INDEX cases_template_key_stage_status ON cases (template_key, stage, status, id);
CREATE INDEX cases_customer_id ON cases (customer_id, id);
CREATE INDEX cases_status_stage_due_at ON cases (status, stage_due_at, id);
CREATE INDEX cases_stage_due_at ON cases (stage_due_at, id);
CREATE INDEX cases_created_at ON cases (created_at, id);
CREATE INDEX cases_expected_amount_fen ON cases (expected_amount_fen, id);

-- The checklist items done, as `stage/item`.
CREATE TABLE case_checks (
    case_id TEXT COLLATE "C" NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    item TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (case_id, item)
);

-- A case's history, in (at, id) order. No foreign key on actor_id: the
-- history outlives deleted users.
CREATE TABLE case_events (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    case_id TEXT COLLATE "C" NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor_id TEXT COLLATE "C",
    kind TEXT NOT NULL,
    from_stage TEXT,
    to_stage TEXT,
    reason TEXT,
    comment TEXT
);
CREATE INDEX case_events_case_id_at ON case_events (case_id, at, id);

-- No foreign keys on requested_by and approver_id: a decided request is
-- history, kept when its users are gone.
CREATE TABLE approvals (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    case_id TEXT COLLATE "C" REFERENCES cases (id) ON DELETE CASCADE,
    stage TEXT COLLATE "C",
    requested_by TEXT COLLATE "C" NOT NULL,
    approver_id TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    comment TEXT,
    requested_at BIGINT NOT NULL,
    decided_at BIGINT,
    due_at BIGINT,
    version BIGINT NOT NULL
);
CREATE INDEX approvals_approver_id_status ON approvals (approver_id, status, requested_at, id);
CREATE INDEX approvals_case_id_stage ON approvals (case_id, stage, requested_at, id);
CREATE INDEX approvals_requested_by ON approvals (requested_by, requested_at, id);
CREATE INDEX approvals_requested_at ON approvals (requested_at, id);

-- The admins' calendar entries: one per `YYYY-MM-DD` date.
CREATE TABLE calendar_days (
    date TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
