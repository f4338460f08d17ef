-- Groups (local Group actors), their members and roles, their spaces, and the posts in them.

-- A local group's settings; the actors row (actor_type 'Group') is its public face.
CREATE TABLE groups (
    actor_id bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    visibility text NOT NULL CHECK (visibility IN ('public', 'members', 'confidential')),
    join_policy text NOT NULL DEFAULT 'approval'
        CHECK (join_policy IN ('open', 'approval', 'invite')),
    language text,
    rules jsonb NOT NULL DEFAULT '[]',
    created_by bigint REFERENCES actors (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Members, requests, invitations and bans: one row per (group, actor), local or remote.
CREATE TABLE group_members (
    group_id bigint NOT NULL REFERENCES groups (actor_id) ON DELETE CASCADE,
    member_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    role text NOT NULL DEFAULT 'member'
        CHECK (role IN ('owner', 'admin', 'moderator', 'member')),
    state text NOT NULL CHECK (state IN ('member', 'pending', 'invited', 'banned')),
    -- The remote Follow or Join that asked, answered by the group's Accept or Reject.
    request_uri text,
    -- The verb the remote used, so the answer speaks its convention.
    request_type text CHECK (request_type IN ('Follow', 'Join')),
    invited_by bigint REFERENCES actors (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members (member_id, state);
CREATE INDEX group_members_state ON group_members (group_id, state);

-- Named collections of a group's posts; never looser than their group.
CREATE TABLE spaces (
    id bigserial PRIMARY KEY,
    group_id bigint NOT NULL REFERENCES groups (actor_id) ON DELETE CASCADE,
    uri text NOT NULL UNIQUE,
    slug text NOT NULL,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    visibility text NOT NULL CHECK (visibility IN ('public', 'members', 'confidential')),
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (group_id, slug)
);
CREATE UNIQUE INDEX spaces_one_default ON spaces (group_id) WHERE is_default;

-- A group post's visibility is its own, always the strictest of the post, its space and its
-- group: tightening a group or space tightens its posts at once; loosening leaves them alone.
ALTER TABLE posts DROP CONSTRAINT posts_visibility_check;
ALTER TABLE posts ADD CONSTRAINT posts_visibility_check CHECK (
    visibility IN ('public', 'unlisted', 'followers', 'direct', 'local', 'members', 'confidential')
);
ALTER TABLE posts
    ADD COLUMN group_id bigint REFERENCES actors (id) ON DELETE CASCADE,
    ADD COLUMN space_id bigint REFERENCES spaces (id) ON DELETE SET NULL;
CREATE INDEX posts_group ON posts (group_id, id DESC) WHERE group_id IS NOT NULL;
CREATE INDEX posts_space ON posts (space_id, id DESC) WHERE space_id IS NOT NULL;

CREATE TABLE group_pins (
    group_id bigint NOT NULL REFERENCES groups (actor_id) ON DELETE CASCADE,
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    pinned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, post_id)
);

-- What the group's moderators did, for the group's admins.
CREATE TABLE group_moderation_log (
    id bigserial PRIMARY KEY,
    group_id bigint NOT NULL REFERENCES groups (actor_id) ON DELETE CASCADE,
    moderator_id bigint REFERENCES actors (id) ON DELETE SET NULL,
    action text NOT NULL,
    target_actor_id bigint REFERENCES actors (id) ON DELETE SET NULL,
    target_post_id bigint,
    reason text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX group_moderation_log_group ON group_moderation_log (group_id, id DESC);

-- Every process keeps the set of confidential URIs for its outbound guard; these tell it what
-- became confidential (the URI as payload). Nothing is ever removed by a notice: what stops
-- being confidential sends an empty notice, and each process reloads the whole set (a stale
-- entry only makes the guard stricter until then).
CREATE FUNCTION notify_confidential() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'posts' THEN
        IF NEW.visibility IN ('local', 'confidential') THEN
            PERFORM pg_notify('fedi_confidential', NEW.uri);
        ELSIF TG_OP = 'UPDATE' AND OLD.visibility IN ('local', 'confidential') THEN
            PERFORM pg_notify('fedi_confidential', '');
        END IF;
    ELSIF TG_TABLE_NAME = 'spaces' THEN
        IF NEW.visibility = 'confidential' THEN
            PERFORM pg_notify('fedi_confidential', NEW.uri);
        ELSIF TG_OP = 'UPDATE' AND OLD.visibility = 'confidential' THEN
            PERFORM pg_notify('fedi_confidential', '');
        END IF;
    ELSIF TG_TABLE_NAME = 'groups' THEN
        IF TG_OP = 'UPDATE' AND OLD.visibility = 'confidential'
                AND NEW.visibility <> 'confidential' THEN
            PERFORM pg_notify('fedi_confidential', '');
        ELSIF NEW.visibility = 'confidential' THEN
            -- The actor's id, and its profile page (/@name), which names it as well.
            PERFORM pg_notify('fedi_confidential', u)
                FROM actors a, LATERAL (VALUES (a.uri), (a.url)) AS v (u)
                WHERE a.id = NEW.actor_id AND u IS NOT NULL;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER posts_confidential AFTER INSERT OR UPDATE OF visibility ON posts
    FOR EACH ROW EXECUTE FUNCTION notify_confidential();
CREATE TRIGGER spaces_confidential AFTER INSERT OR UPDATE OF visibility ON spaces
    FOR EACH ROW EXECUTE FUNCTION notify_confidential();
CREATE TRIGGER groups_confidential AFTER INSERT OR UPDATE OF visibility ON groups
    FOR EACH ROW EXECUTE FUNCTION notify_confidential();

-- Every URI that must never leave this node: confidential groups (and everything under their
-- id and their profile page), confidential spaces, and posts that are local-only or
-- confidential.
CREATE VIEW confidential_uris AS
    SELECT u AS uri FROM groups g JOIN actors a ON a.id = g.actor_id,
        LATERAL (VALUES (a.uri), (a.url)) AS v (u)
        WHERE g.visibility = 'confidential' AND u IS NOT NULL
    UNION ALL
    SELECT s.uri FROM spaces s WHERE s.visibility = 'confidential'
    UNION ALL
    SELECT p.uri FROM posts p WHERE p.visibility IN ('local', 'confidential');
CREATE INDEX posts_never_federated ON posts (uri) WHERE visibility IN ('local', 'confidential');
