-- Every actor this node knows: its own accounts, groups and instance actor, and remote ones.
CREATE TABLE actors (
    id bigserial PRIMARY KEY,
    uri text NOT NULL UNIQUE,
    local boolean NOT NULL,
    actor_type text NOT NULL
        CHECK (actor_type IN ('Person', 'Group', 'Application', 'Service', 'Organization')),
    username text NOT NULL,
    domain text NOT NULL,
    display_name text NOT NULL DEFAULT '',
    summary text NOT NULL DEFAULT '',
    icon_url text,
    url text,
    inbox_url text NOT NULL,
    outbox_url text,
    followers_url text,
    following_url text,
    shared_inbox_url text,
    manually_approves_followers boolean NOT NULL DEFAULT false,
    discoverable boolean NOT NULL DEFAULT true,
    key_id text NOT NULL UNIQUE,
    public_key_pem text NOT NULL,
    private_key_pem text,
    fetched_at timestamptz,
    key_refetched_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (local = (private_key_pem IS NOT NULL))
);
-- Handles are unique among our own actors; remote servers (Lemmy) may reuse a name for a
-- person and a community, so remote handles are only indexed.
CREATE UNIQUE INDEX actors_local_handle ON actors (lower(username)) WHERE local;
CREATE INDEX actors_handle ON actors (lower(username), domain);

-- Local sign-in accounts; their public face is the actor row.
CREATE TABLE users (
    actor_id bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    password_hash text NOT NULL,
    is_admin boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Posts: the federation issue adds the rest; NodeInfo counts local ones from here.
CREATE TABLE posts (
    id bigserial PRIMARY KEY,
    uri text NOT NULL UNIQUE,
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    local boolean NOT NULL,
    visibility text NOT NULL
        CHECK (visibility IN ('public', 'unlisted', 'followers', 'direct', 'local', 'members')),
    content text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX posts_local ON posts (local) WHERE local;
