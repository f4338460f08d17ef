-- Statuses in the client API: which attachments each earlier version of a post had, and the
-- index that pages an account's bookmarks.

-- NULL where it was not recorded (versions from before this, and edits received from other
-- servers); an empty array for a version without attachments.
ALTER TABLE post_versions ADD COLUMN media_ids bigint[];

CREATE INDEX bookmarks_actor ON bookmarks (actor_id, id DESC);
