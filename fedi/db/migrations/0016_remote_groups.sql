-- What this node knows of remote groups (Lemmy communities, Mobilizon groups, other fedi nodes'
-- groups) beyond their actors row: read from the group's actor document each time it is fetched.
CREATE TABLE remote_groups (
    actor_id bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    -- 'members' when the group says its posts are for its members only (our own groups'
    -- `fedi:visibility`); a post into it then goes to its members collection, never to Public.
    visibility text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'members')),
    -- The collection a members-only post is addressed to (Mobilizon's and our `members`).
    members_url text,
    -- How the group takes members: `Follow` (Lemmy, Mastodon-style groups, ours) or `Join`
    -- (Mobilizon); leaving is then `Undo` of the Follow or `Leave`.
    join_type text NOT NULL DEFAULT 'Follow' CHECK (join_type IN ('Follow', 'Join')),
    updated_at timestamptz NOT NULL DEFAULT now()
);
