-- The funnel report's totals (core::process::funnel), kept by the store in
-- the transaction of every case write: per template, owner and day the case
-- was opened (China time, YYYY-MM-DD), the cases in each group (the stages
-- they entered, comma-separated and sorted; where they are; their status)
-- with their expected amounts, and the completed stays in each stage by
-- length in hundredths of a day. A database that had cases before this
-- migration is filled in by `tuoke migrate` (the store checks that the
-- groups count every case).
CREATE TABLE funnel_groups (
    template_key TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    day TEXT NOT NULL,
    reached TEXT NOT NULL,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    cases BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (template_key, owner_id, day, reached, stage, status)
);

CREATE TABLE funnel_stays (
    template_key TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    day TEXT NOT NULL,
    stage TEXT NOT NULL,
    centidays BIGINT NOT NULL,
    stays BIGINT NOT NULL,
    PRIMARY KEY (template_key, owner_id, day, stage, centidays)
);
