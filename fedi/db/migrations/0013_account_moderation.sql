-- Moderation of single accounts (suspended, silenced, sensitized, disabled) and each member's
-- own domain blocks.

-- One row per account a moderator has acted on; an account without a row is in good standing.
-- A table of its own rather than columns on actors: a refreshed remote actor document rewrites
-- the actors row, and must never clear a moderator's decision.
CREATE TABLE account_moderation (
    actor_id bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    suspended_at timestamptz,
    silenced_at timestamptz,
    sensitized_at timestamptz,
    -- Local accounts only: the member cannot use the client API; their content stays.
    disabled_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Every public timeline leaves these accounts out; they are few, so the read stays small.
CREATE INDEX account_moderation_hidden ON account_moderation (actor_id)
    WHERE suspended_at IS NOT NULL OR silenced_at IS NOT NULL;
CREATE INDEX account_moderation_suspended ON account_moderation (actor_id)
    WHERE suspended_at IS NOT NULL;

-- A member's block of a whole domain (Mastodon's account domain blocks): exact host match.
CREATE TABLE user_domain_blocks (
    id bigserial PRIMARY KEY,
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    domain text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (actor_id, domain)
);
CREATE INDEX user_domain_blocks_actor_page ON user_domain_blocks (actor_id, id DESC);

-- What a member blocked is found by domain: every account on it.
CREATE INDEX IF NOT EXISTS actors_domain ON actors (domain);
