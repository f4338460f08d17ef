-- Indexes the timelines and notifications read by, each walked newest first and stopped at a
-- page's limit rather than read whole.

-- Posts that mention an account, newest first (the home timeline's mentions).
CREATE INDEX mentions_actor_post ON mentions (actor_id, post_id DESC);
DROP INDEX mentions_actor;

-- Who blocks an account (everything an account is shown leaves its blockers out).
CREATE INDEX blocks_blocked ON blocks (blocked_id);

-- The public timelines: public posts, and `local` ones for this node's own accounts.
CREATE INDEX posts_public_timeline ON posts (id DESC) WHERE visibility IN ('public', 'local');
-- The local timeline, which on a node following much of the network is a small share of it.
CREATE INDEX posts_local_timeline ON posts (id DESC)
    WHERE local AND visibility IN ('public', 'local');

-- A hashtag's posts, newest first.
CREATE INDEX post_tags_tag_post ON post_tags (tag, post_id DESC);
DROP INDEX post_tags_tag;
