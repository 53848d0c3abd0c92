-- The first schema. Keep it in step with ../sqlite/0001_initial.sql (a test
-- compares the two). Ids are hyphenated lower-case UUIDv7 text, timestamps
-- are microseconds since the Unix epoch (UTC), money is integer fen.

-- Text that is sorted or compared uses the "C" collation so that order is by
-- code point, as in SQLite, whatever the database's default collation.
-- Unique constraints are named after the column they guard: the store reports
-- the name in `StoreError::Conflict`.

-- The teams <-> users foreign-key cycle: teams.manager_id gets its foreign key
-- once users exists (at the end of this file).
CREATE TABLE teams (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name TEXT COLLATE "C" NOT NULL CONSTRAINT "teams.name" UNIQUE,
    manager_id TEXT COLLATE "C",
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    username TEXT COLLATE "C" NOT NULL CONSTRAINT "users.username" UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    team_id TEXT COLLATE "C" REFERENCES teams (id) ON DELETE SET NULL,
    active BOOLEAN NOT NULL,
    password_hash TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_team_id ON users (team_id);
CREATE INDEX teams_manager_id ON teams (manager_id);

CREATE TABLE sessions (
    token_hash TEXT COLLATE "C" NOT NULL CONSTRAINT "sessions.token_hash" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE customers (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    name_key TEXT COLLATE "C" NOT NULL CONSTRAINT "customers.name_key" UNIQUE,
    short_name TEXT COLLATE "C",
    pinyin TEXT COLLATE "C" NOT NULL,
    short_pinyin TEXT COLLATE "C" NOT NULL,
    credit_code TEXT COLLATE "C" CONSTRAINT "customers.credit_code" UNIQUE,
    nature TEXT,
    channel TEXT,
    industry TEXT,
    product_category TEXT,
    province TEXT,
    city TEXT,
    tier TEXT NOT NULL,
    abc_class TEXT,
    owner_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status TEXT NOT NULL,
    monthly_volume_fen BIGINT,
    address TEXT,
    phone TEXT,
    website TEXT,
    notes TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
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
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name TEXT COLLATE "C" NOT NULL,
    title TEXT,
    department TEXT,
    mobile TEXT,
    phone TEXT,
    email TEXT,
    wechat TEXT,
    roles TEXT NOT NULL,
    influence BIGINT,
    relationship BIGINT,
    birthday TEXT,
    native_place TEXT,
    age BIGINT,
    hobbies TEXT,
    tenure_years BIGINT,
    authority TEXT,
    style TEXT,
    family TEXT,
    notes TEXT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX contacts_customer_id_name ON contacts (customer_id, name, id);

CREATE TABLE activities (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    occurred_at BIGINT NOT NULL,
    method TEXT NOT NULL,
    duration_minutes BIGINT,
    content TEXT NOT NULL,
    progress TEXT,
    attitude TEXT,
    attitude_note TEXT,
    next_step TEXT,
    next_follow_up TEXT COLLATE "C",
    gift_value_fen BIGINT,
    owner_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX activities_customer_id ON activities (customer_id, occurred_at, id);
CREATE INDEX activities_owner_id ON activities (owner_id, occurred_at, id);
CREATE INDEX activities_occurred_at ON activities (occurred_at, id);
CREATE INDEX activities_next_follow_up ON activities (next_follow_up, id);
CREATE INDEX activities_method ON activities (method, occurred_at);

CREATE TABLE activity_contacts (
    activity_id TEXT COLLATE "C" NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    contact_id TEXT COLLATE "C" NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (activity_id, contact_id)
);
CREATE INDEX activity_contacts_contact_id ON activity_contacts (contact_id);

-- No foreign key on actor_id: the log outlives deleted users.
CREATE TABLE audit_log (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    actor_id TEXT COLLATE "C",
    action TEXT NOT NULL,
    entity TEXT COLLATE "C" NOT NULL,
    entity_id TEXT COLLATE "C" NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor_id ON audit_log (actor_id);
CREATE INDEX audit_log_at ON audit_log (at, id);

CREATE TABLE idempotency_keys (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key TEXT COLLATE "C" NOT NULL,
    fingerprint TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);

ALTER TABLE teams ADD FOREIGN KEY (manager_id) REFERENCES users (id) ON DELETE SET NULL;
