-- Published activities kept as sent, keys in their order: jsonb sorts an object's keys, and
-- Mastodon reads the first key of a Note's contentMap as the post's language (the post's own
-- language comes first). Nothing queries into these documents but with -> and ->>, which json has.
ALTER TABLE activities ALTER COLUMN document TYPE json USING document::json;
