-- Migration 0004: what a user chose for themself (the interface language).
-- Keep it in step with ../postgres/0004_user_preferences.sql.
CREATE TABLE user_preferences (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    language TEXT NOT NULL
);
