-- What a follower chose when following (Mastodon's follow parameters), and the indexes the
-- account lists and account search of the client API read by.

ALTER TABLE follows
    -- Show the followee's boosts in the home timeline.
    ADD COLUMN show_reblogs boolean NOT NULL DEFAULT true,
    -- Notify the follower of each new post by the followee.
    ADD COLUMN notify boolean NOT NULL DEFAULT false,
    -- Only posts in these languages reach the home timeline; NULL means all.
    ADD COLUMN languages text[];

CREATE INDEX follows_pending ON follows (followee_id, id DESC) WHERE NOT accepted;
CREATE INDEX follows_follower_accepted ON follows (follower_id, id DESC) WHERE accepted;
CREATE INDEX blocks_blocker ON blocks (blocker_id, id DESC);
CREATE INDEX mutes_actor ON mutes (actor_id, id DESC);

-- Account search matches name prefixes, case-insensitively.
CREATE INDEX actors_username_prefix ON actors (lower(username) text_pattern_ops);
CREATE INDEX actors_display_name_prefix ON actors (lower(display_name) text_pattern_ops);
