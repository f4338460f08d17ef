-- Streaming events and the look-ups of search v2.

-- The streaming API hears about changes through NOTIFY on one channel, so a post written by any
-- process (web, inbox worker, another machine) reaches every process's streaming clients.
-- Payloads carry kinds and ids only, never content: each listener reads what its clients may
-- see. NOTIFY is sent at commit, so a rolled-back change is never announced, and its payload
-- must stay under 8000 bytes, hence the caps on the lists below.

CREATE FUNCTION stream_post_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fedi_stream', json_build_object(
        'kind', CASE WHEN TG_OP = 'INSERT' THEN 'update' ELSE 'status.update' END,
        'post', NEW.id)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER stream_post_inserted AFTER INSERT ON posts
    FOR EACH ROW EXECUTE FUNCTION stream_post_written();
CREATE TRIGGER stream_post_edited
    AFTER UPDATE OF content, summary, sensitive, language, content_map, edited_at ON posts
    FOR EACH ROW
    WHEN (OLD.content IS DISTINCT FROM NEW.content
          OR OLD.summary IS DISTINCT FROM NEW.summary
          OR OLD.sensitive IS DISTINCT FROM NEW.sensitive
          OR OLD.language IS DISTINCT FROM NEW.language
          OR OLD.content_map IS DISTINCT FROM NEW.content_map
          OR OLD.edited_at IS DISTINCT FROM NEW.edited_at)
    EXECUTE FUNCTION stream_post_written();

-- BEFORE, not AFTER: the foreign keys' cascades remove a post's mentions, tags and media
-- before any AFTER trigger runs, and the listener needs them to know who had the post.
CREATE FUNCTION stream_post_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fedi_stream', json_build_object(
        'kind', 'delete',
        'post', OLD.id,
        'actor', OLD.actor_id,
        'visibility', OLD.visibility,
        'local', OLD.local,
        'reply', OLD.in_reply_to_uri IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM posts r WHERE r.id = OLD.in_reply_to_id AND r.actor_id = OLD.actor_id),
        'media', EXISTS (SELECT 1 FROM media_attachments m WHERE m.post_id = OLD.id),
        'mentions', (SELECT coalesce(json_agg(m.actor_id), '[]'::json)
                     FROM (SELECT actor_id FROM mentions WHERE post_id = OLD.id
                           ORDER BY actor_id LIMIT 100) m),
        'tags', (SELECT coalesce(json_agg(t.tag), '[]'::json)
                 FROM (SELECT left(tag, 100) AS tag FROM post_tags WHERE post_id = OLD.id
                       ORDER BY tag LIMIT 20) t))::text);
    RETURN OLD;
END $$;
CREATE TRIGGER stream_post_deleted BEFORE DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION stream_post_deleted();

CREATE FUNCTION stream_boost_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('fedi_stream', json_build_object('kind', 'update', 'boost', NEW.id)::text);
    ELSE
        PERFORM pg_notify('fedi_stream', json_build_object(
            'kind', 'delete', 'boost', OLD.id, 'actor', OLD.actor_id)::text);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER stream_boost_changed AFTER INSERT OR DELETE ON boosts
    FOR EACH ROW EXECUTE FUNCTION stream_boost_changed();

CREATE FUNCTION stream_notification_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fedi_stream', json_build_object(
        'kind', 'notification', 'notification', NEW.id, 'recipient', NEW.recipient_id)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER stream_notification_added AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION stream_notification_added();

-- Search v2 finds a post or an account by the URL a member pastes, which may be its id or the
-- page URL it links to, and hashtags by the start of their name.
CREATE INDEX posts_url ON posts (url) WHERE url IS NOT NULL;
CREATE INDEX actors_url ON actors (url) WHERE url IS NOT NULL;
CREATE INDEX post_tags_tag_prefix ON post_tags (tag text_pattern_ops);
