-- Reports of accounts and posts (filed here or received as Flag), and the audit log of every
-- admin or moderator action.

CREATE TABLE reports (
    id bigserial PRIMARY KEY,
    -- The Flag's id: ours when forwarded, the sender's when received. One Flag may name
    -- several of our accounts (one report each); a replay of it adds nothing.
    uri text,
    -- Who filed it: a local account, or the remote actor that sent the Flag.
    account_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_account_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- Posts named as evidence; kept as ids so a later deletion does not erase the report.
    status_ids bigint[] NOT NULL DEFAULT '{}',
    comment text NOT NULL DEFAULT '',
    category text NOT NULL DEFAULT 'other'
        CHECK (category IN ('spam', 'legal', 'violation', 'other')),
    rule_ids bigint[] NOT NULL DEFAULT '{}',
    forwarded boolean NOT NULL DEFAULT false,
    assigned_account_id bigint REFERENCES actors (id) ON DELETE SET NULL,
    action_taken_at timestamptz,
    action_taken_by_account_id bigint REFERENCES actors (id) ON DELETE SET NULL,
    action_note text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (uri, target_account_id)
);
CREATE INDEX reports_unresolved ON reports (id DESC) WHERE action_taken_at IS NULL;
CREATE INDEX reports_target ON reports (target_account_id, id DESC);
CREATE INDEX reports_account ON reports (account_id, id DESC);

-- Append-only. actor_id has no foreign key on purpose: removing an account must not erase or
-- blur the record of what it did as a moderator. NULL means the node itself (CLI, rules).
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    actor_id bigint,
    action text NOT NULL,
    target_type text NOT NULL,
    target text NOT NULL,
    reason text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
