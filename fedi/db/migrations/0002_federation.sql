-- Posts, interactions, follows and blocks, and the durable queues of federation.

ALTER TABLE posts
    ADD COLUMN summary text NOT NULL DEFAULT '',
    ADD COLUMN sensitive boolean NOT NULL DEFAULT false,
    ADD COLUMN language text,
    ADD COLUMN content_map jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN source text,
    ADD COLUMN url text,
    ADD COLUMN in_reply_to_uri text,
    ADD COLUMN in_reply_to_id bigint REFERENCES posts (id) ON DELETE SET NULL,
    ADD COLUMN conversation text,
    ADD COLUMN published_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN edited_at timestamptz,
    -- Remote addressing as received, kept to answer "may this actor see it?".
    ADD COLUMN to_uris text[] NOT NULL DEFAULT '{}',
    ADD COLUMN cc_uris text[] NOT NULL DEFAULT '{}';
CREATE INDEX posts_actor_published ON posts (actor_id, published_at DESC);
CREATE INDEX posts_in_reply_to ON posts (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;
CREATE INDEX posts_in_reply_to_uri ON posts (in_reply_to_uri) WHERE in_reply_to_uri IS NOT NULL;

-- Earlier versions of edited posts, newest last.
CREATE TABLE post_versions (
    id bigserial PRIMARY KEY,
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    content text NOT NULL,
    summary text NOT NULL,
    sensitive boolean NOT NULL,
    language text,
    content_map jsonb NOT NULL,
    written_at timestamptz NOT NULL
);
CREATE INDEX post_versions_post ON post_versions (post_id, id);

-- Deleted objects: a replayed Create of one of these is refused.
CREATE TABLE tombstones (
    uri text PRIMARY KEY,
    actor_uri text NOT NULL,
    former_type text NOT NULL DEFAULT 'Note',
    deleted_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mentions (
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, actor_id)
);
CREATE INDEX mentions_actor ON mentions (actor_id);

CREATE TABLE post_tags (
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag text NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_tags_tag ON post_tags (tag);

CREATE TABLE likes (
    id bigserial PRIMARY KEY,
    uri text NOT NULL UNIQUE,
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (actor_id, post_id)
);

CREATE TABLE boosts (
    id bigserial PRIMARY KEY,
    uri text NOT NULL UNIQUE,
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    visibility text NOT NULL DEFAULT 'public',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (actor_id, post_id)
);

CREATE TABLE follows (
    id bigserial PRIMARY KEY,
    uri text NOT NULL UNIQUE,
    follower_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    followee_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    accepted boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id) WHERE accepted;

CREATE TABLE blocks (
    id bigserial PRIMARY KEY,
    uri text NOT NULL UNIQUE,
    blocker_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    blocked_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (blocker_id, blocked_id)
);

-- Activities this node has published, as sent.
CREATE TABLE activities (
    id bigserial PRIMARY KEY,
    uri text NOT NULL UNIQUE,
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    activity_type text NOT NULL,
    object_uri text,
    document jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activities_actor ON activities (actor_id, id DESC);

-- One row per (activity, inbox): the delivery queue.
CREATE TABLE deliveries (
    id bigserial PRIMARY KEY,
    activity_id bigint NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    inbox_url text NOT NULL,
    domain text NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz,
    last_status integer,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    UNIQUE (activity_id, inbox_url)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';

-- Days on which delivery to a domain failed; 7 distinct days make it unavailable.
CREATE TABLE domain_failures (
    domain text NOT NULL,
    day date NOT NULL,
    PRIMARY KEY (domain, day)
);
CREATE TABLE unavailable_domains (
    domain text PRIMARY KEY,
    since timestamptz NOT NULL DEFAULT now()
);

-- Incoming activities, stored before the 202 and processed by the inbox worker.
CREATE TABLE inbox_items (
    id bigserial PRIMARY KEY,
    activity_uri text NOT NULL UNIQUE,
    activity_type text NOT NULL,
    signer_id bigint REFERENCES actors (id) ON DELETE SET NULL,
    document jsonb NOT NULL,
    state text NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'done', 'refused', 'parked')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz,
    last_error text,
    received_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX inbox_items_due ON inbox_items (next_attempt_at) WHERE state = 'pending';
