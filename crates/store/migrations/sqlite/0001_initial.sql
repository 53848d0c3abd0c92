-- The first schema. Keep it in step with ../postgres/0001_initial.sql (a test
-- compares the two). Ids are hyphenated lower-case UUIDv7 text, timestamps
-- are microseconds since the Unix epoch (UTC), money is integer fen.

-- SQLite resolves foreign keys when a row is written, so the teams <-> users
-- cycle can be declared inline.
CREATE TABLE teams (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    manager_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    team_id TEXT REFERENCES teams (id) ON DELETE SET NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    password_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX users_team_id ON users (team_id);
CREATE INDEX teams_manager_id ON teams (manager_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE customers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    short_name TEXT,
    pinyin TEXT NOT NULL,
    short_pinyin TEXT NOT NULL,
    credit_code TEXT UNIQUE,
    nature TEXT,
    channel TEXT,
    industry TEXT,
    product_category TEXT,
    province TEXT,
    city TEXT,
    tier TEXT NOT NULL,
    abc_class TEXT,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status TEXT NOT NULL,
    monthly_volume_fen INTEGER,
    address TEXT,
    phone TEXT,
    website TEXT,
    notes TEXT,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX customers_owner_id ON customers (owner_id, id);
CREATE INDEX customers_status ON customers (status, id);
CREATE INDEX customers_tier ON customers (tier, id);
CREATE INDEX customers_abc_class ON customers (abc_class, id);
CREATE INDEX customers_nature ON customers (nature, id);
CREATE INDEX customers_channel ON customers (channel, id);
CREATE INDEX customers_industry ON customers (industry, id);
CREATE INDEX customers_product_category ON customers (product_category, id);
CREATE INDEX customers_province ON customers (province, id);
CREATE INDEX customers_city ON customers (city, id);
CREATE INDEX customers_updated_at ON customers (updated_at, id);
CREATE INDEX customers_pinyin ON customers (pinyin);
CREATE INDEX customers_short_pinyin ON customers (short_pinyin);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT,
    department TEXT,
    mobile TEXT,
    phone TEXT,
    email TEXT,
    wechat TEXT,
    roles TEXT NOT NULL,
    influence INTEGER,
    relationship INTEGER,
    birthday TEXT,
    native_place TEXT,
    age INTEGER,
    hobbies TEXT,
    tenure_years INTEGER,
    authority TEXT,
    style TEXT,
    family TEXT,
    notes TEXT,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX contacts_customer_id_name ON contacts (customer_id, name, id);

CREATE TABLE activities (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    occurred_at INTEGER NOT NULL,
    method TEXT NOT NULL,
    duration_minutes INTEGER,
    content TEXT NOT NULL,
    progress TEXT,
    attitude TEXT,
    attitude_note TEXT,
    next_step TEXT,
    next_follow_up TEXT,
    gift_value_fen INTEGER,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX activities_customer_id ON activities (customer_id, occurred_at, id);
CREATE INDEX activities_owner_id ON activities (owner_id, occurred_at, id);
CREATE INDEX activities_occurred_at ON activities (occurred_at, id);
CREATE INDEX activities_next_follow_up ON activities (next_follow_up, id);
CREATE INDEX activities_method ON activities (method, occurred_at);

CREATE TABLE activity_contacts (
    activity_id TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (activity_id, contact_id)
);
CREATE INDEX activity_contacts_contact_id ON activity_contacts (contact_id);

-- No foreign key on actor_id: the log outlives deleted users.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    at INTEGER NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor_id ON audit_log (actor_id);
CREATE INDEX audit_log_at ON audit_log (at, id);

CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
