-- An account may hide whom it follows and who follows it (Mastodon's "hide your network").
ALTER TABLE actors ADD COLUMN hide_collections boolean NOT NULL DEFAULT false;
