-- The Mastodon client API: OAuth apps and tokens, notifications, mutes, bookmarks, media,
-- markers, and what an account shows and prefers.

-- A boost is a status of its own in the client API; sharing the posts' sequence gives every
-- status one id space, ordered by arrival, so timelines page through posts and boosts alike.
ALTER TABLE boosts ALTER COLUMN id SET DEFAULT nextval('posts_id_seq');
CREATE INDEX boosts_actor ON boosts (actor_id, id DESC);
CREATE INDEX boosts_post ON boosts (post_id);
CREATE INDEX likes_post ON likes (post_id);
CREATE INDEX likes_actor ON likes (actor_id, id DESC);
CREATE INDEX posts_actor_id ON posts (actor_id, id DESC);
CREATE INDEX posts_public_local ON posts (id DESC) WHERE visibility = 'public';

ALTER TABLE actors
    ADD COLUMN header_url text,
    -- Profile metadata: [{"name": ..., "value": ...}], values sanitised HTML.
    ADD COLUMN fields jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN bot boolean NOT NULL DEFAULT false,
    -- An at-risk member: left out of every collection served to other nodes and of search.
    ADD COLUMN shielded boolean NOT NULL DEFAULT false;

ALTER TABLE users
    ADD COLUMN email text,
    ADD COLUMN locale text,
    ADD COLUMN default_visibility text NOT NULL DEFAULT 'public',
    ADD COLUMN default_sensitive boolean NOT NULL DEFAULT false,
    ADD COLUMN default_language text,
    ADD COLUMN note_source text NOT NULL DEFAULT '',
    ADD COLUMN fields_source jsonb NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE oauth_apps (
    id bigserial PRIMARY KEY,
    client_id text NOT NULL UNIQUE,
    -- SHA-256 of the secret; the secret itself is shown once, when the app registers.
    client_secret_hash text NOT NULL,
    name text NOT NULL,
    website text,
    redirect_uris text[] NOT NULL,
    scopes text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oauth_codes (
    code_hash text PRIMARY KEY,
    app_id bigint NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    scopes text[] NOT NULL,
    redirect_uri text NOT NULL,
    code_challenge text,
    code_challenge_method text,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oauth_tokens (
    id bigserial PRIMARY KEY,
    -- SHA-256 of the bearer token: a copy of the database does not sign anyone in.
    token_hash text NOT NULL UNIQUE,
    app_id bigint REFERENCES oauth_apps (id) ON DELETE CASCADE,
    -- NULL for a client-credentials token, which acts for the app, not for a person.
    actor_id bigint REFERENCES actors (id) ON DELETE CASCADE,
    scopes text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX oauth_tokens_actor ON oauth_tokens (actor_id) WHERE revoked_at IS NULL;

CREATE TABLE notifications (
    id bigserial PRIMARY KEY,
    recipient_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    notification_type text NOT NULL CHECK (notification_type IN (
        'mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll',
        'update', 'admin.sign_up', 'admin.report')),
    from_actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id bigint REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, id DESC);
-- One notification per event: a replayed Like or Follow does not notify twice.
CREATE UNIQUE INDEX notifications_once
    ON notifications (recipient_id, notification_type, from_actor_id, coalesce(post_id, 0))
    WHERE notification_type <> 'update';

CREATE TABLE mutes (
    id bigserial PRIMARY KEY,
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    hide_notifications boolean NOT NULL DEFAULT true,
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (actor_id, target_id)
);

CREATE TABLE bookmarks (
    id bigserial PRIMARY KEY,
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (actor_id, post_id)
);

CREATE TABLE media_attachments (
    id bigserial PRIMARY KEY,
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id bigint REFERENCES posts (id) ON DELETE CASCADE,
    media_type text NOT NULL DEFAULT 'image'
        CHECK (media_type IN ('image', 'gifv', 'video', 'audio', 'unknown')),
    -- Local files under names the server chose; NULL for remote media not downloaded.
    file_name text,
    thumbnail_name text,
    content_type text,
    remote_url text,
    width integer,
    height integer,
    blurhash text,
    description text NOT NULL DEFAULT '',
    focus_x real NOT NULL DEFAULT 0,
    focus_y real NOT NULL DEFAULT 0,
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_attachments_post ON media_attachments (post_id, position) WHERE post_id IS NOT NULL;

CREATE TABLE markers (
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    timeline text NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id bigint NOT NULL,
    version integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, timeline)
);

-- Idempotency-Key of status creation: the same key within a day returns the same post.
CREATE TABLE idempotency_keys (
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    key text NOT NULL,
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, key)
);

-- Which app wrote a local post (the status entity's `application`).
ALTER TABLE posts ADD COLUMN app_id bigint REFERENCES oauth_apps (id) ON DELETE SET NULL;

-- Counters an account entity shows on every status, kept by triggers so that rendering a
-- timeline page never counts an account's posts or followers.
CREATE TABLE actor_stats (
    actor_id bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    statuses_count integer NOT NULL DEFAULT 0,
    followers_count integer NOT NULL DEFAULT 0,
    following_count integer NOT NULL DEFAULT 0,
    last_status_at timestamptz
);

CREATE FUNCTION actor_stats_add(
    target bigint, statuses integer, followers integer, following integer, status_at timestamptz
) RETURNS void LANGUAGE sql AS $$
    INSERT INTO actor_stats AS s (actor_id, statuses_count, followers_count, following_count,
                                  last_status_at)
    SELECT target, greatest(statuses, 0), greatest(followers, 0), greatest(following, 0), status_at
    WHERE EXISTS (SELECT 1 FROM actors WHERE id = target)
    ON CONFLICT (actor_id) DO UPDATE SET
        statuses_count = greatest(s.statuses_count + statuses, 0),
        followers_count = greatest(s.followers_count + followers, 0),
        following_count = greatest(s.following_count + following, 0),
        last_status_at = greatest(s.last_status_at, EXCLUDED.last_status_at);
$$;

CREATE FUNCTION posts_count_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM actor_stats_add(NEW.actor_id, 1, 0, 0, NEW.published_at);
    ELSE
        PERFORM actor_stats_add(OLD.actor_id, -1, 0, 0, NULL);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER posts_count_statuses AFTER INSERT OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_count_statuses();

CREATE FUNCTION follows_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was integer := 0;
    now_is integer := 0;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.accepted THEN was := 1; END IF;
    IF TG_OP <> 'DELETE' AND NEW.accepted THEN now_is := 1; END IF;
    IF TG_OP = 'UPDATE' AND (OLD.follower_id <> NEW.follower_id
                             OR OLD.followee_id <> NEW.followee_id) THEN
        PERFORM actor_stats_add(OLD.followee_id, 0, -was, 0, NULL);
        PERFORM actor_stats_add(OLD.follower_id, 0, 0, -was, NULL);
        was := 0;
    END IF;
    IF now_is <> was THEN
        PERFORM actor_stats_add(coalesce(NEW.followee_id, OLD.followee_id), 0, now_is - was, 0, NULL);
        PERFORM actor_stats_add(coalesce(NEW.follower_id, OLD.follower_id), 0, 0, now_is - was, NULL);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER follows_count AFTER INSERT OR UPDATE OR DELETE ON follows
    FOR EACH ROW EXECUTE FUNCTION follows_count();

INSERT INTO actor_stats (actor_id, statuses_count, followers_count, following_count, last_status_at)
SELECT a.id,
       (SELECT count(*) FROM posts p WHERE p.actor_id = a.id),
       (SELECT count(*) FROM follows f WHERE f.followee_id = a.id AND f.accepted),
       (SELECT count(*) FROM follows f WHERE f.follower_id = a.id AND f.accepted),
       (SELECT max(published_at) FROM posts p WHERE p.actor_id = a.id)
FROM actors a;
