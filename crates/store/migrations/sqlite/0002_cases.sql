-- Process templates, development cases with their checklist and history,
-- approvals and the working-day calendar. Keep it in step with
-- ../postgres/0002_cases.sql (a test compares the two). Same conventions as
-- 0001: text ids, integer microseconds, integer fen, text codes. SQLite
-- reports a composite key's violation by its columns; the store names it
-- `process_templates.version`, as PostgreSQL's constraint is named.

-- Every uploaded version is kept: (key, version) is unique. No foreign key on
-- created_by: like the audit log, a template outlives the user who sent it.
CREATE TABLE process_templates (
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    builtin INTEGER NOT NULL CHECK (builtin IN (0, 1)),
    created_at INTEGER NOT NULL,
    created_by TEXT,
    CONSTRAINT "process_templates.version" PRIMARY KEY (key, version)
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    template_key TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    title TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    expected_amount_fen INTEGER,
    expected_close_date TEXT,
    competitors TEXT,
    obstacles TEXT,
    expected_cost_fen INTEGER,
    next_step TEXT,
    status TEXT NOT NULL,
    stage TEXT NOT NULL,
    stage_entered_at INTEGER NOT NULL,
    stage_due_at INTEGER,
    outcome_reason TEXT,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
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
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    item TEXT NOT NULL,
    PRIMARY KEY (case_id, item)
);

-- A case's history, in (at, id) order. No foreign key on actor_id: the
-- history outlives deleted users.
CREATE TABLE case_events (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    actor_id TEXT,
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
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    case_id TEXT REFERENCES cases (id) ON DELETE CASCADE,
    stage TEXT,
    requested_by TEXT NOT NULL,
    approver_id TEXT NOT NULL,
    status TEXT NOT NULL,
    comment TEXT,
    requested_at INTEGER NOT NULL,
    decided_at INTEGER,
    due_at INTEGER,
    version INTEGER NOT NULL
);
CREATE INDEX approvals_approver_id_status ON approvals (approver_id, status, requested_at, id);
CREATE INDEX approvals_case_id_stage ON approvals (case_id, stage, requested_at, id);
CREATE INDEX approvals_requested_by ON approvals (requested_by, requested_at, id);
CREATE INDEX approvals_requested_at ON approvals (requested_at, id);

-- The admins' calendar entries: one per `YYYY-MM-DD` date.
CREATE TABLE calendar_days (
    date TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
