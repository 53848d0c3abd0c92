-- Migration 0004: what a user chose for themself (the interface language).
-- Keep it in step with ../sqlite/0004_user_preferences.sql.
CREATE TABLE user_preferences (
    user_id TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    language TEXT NOT NULL
);
