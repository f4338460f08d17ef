-- The domain policy: blocks by severity, the allowlist, and whether the node federates openly
-- or only with listed domains. Domains are stored normalised (lower case, punycode, no trailing
-- dot, an explicit port kept), exactly as activitypub.hosts.normalize_host writes them.

CREATE TABLE domain_blocks (
    id bigserial PRIMARY KEY,
    domain text NOT NULL UNIQUE,
    severity text NOT NULL DEFAULT 'suspend' CHECK (severity IN ('noop', 'silence', 'suspend')),
    reject_media boolean NOT NULL DEFAULT false,
    reject_reports boolean NOT NULL DEFAULT false,
    private_comment text NOT NULL DEFAULT '',
    public_comment text NOT NULL DEFAULT '',
    obfuscate boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE domain_allows (
    id bigserial PRIMARY KEY,
    domain text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- At most one row; no row means 'open'. Kept in the database, not in a setting, so an admin
-- switches it at run time and every process of the node follows.
CREATE TABLE federation_mode (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    mode text NOT NULL CHECK (mode IN ('open', 'allowlist')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The keys a rule for `host` may be stored under, most specific first: the host and each of its
-- parent domains, each with the host's port before without it. An IP literal has no parents.
-- The SQL twin of fedi.domain.policy.rule_keys (a test holds them to the same answers).
CREATE FUNCTION domain_rule_keys(host text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    name text := host;
    port text := NULL;
    parts text[];
    labels text[];
    names text[] := '{}';
    keys text[] := '{}';
    suffix text;
BEGIN
    parts := regexp_match(host, '^(.+):([0-9]+)$');
    IF parts IS NOT NULL THEN
        name := parts[1];
        port := parts[2];
    END IF;
    IF left(name, 1) = '[' OR name ~ '^[0-9.]+$' THEN
        names := ARRAY[name];
    ELSE
        labels := string_to_array(name, '.');
        FOR i IN 1 .. cardinality(labels) LOOP
            names := names || array_to_string(labels[i:], '.');
        END LOOP;
    END IF;
    FOREACH suffix IN ARRAY names LOOP
        IF port IS NOT NULL THEN
            keys := keys || (suffix || ':' || port);
        END IF;
        keys := keys || suffix;
    END LOOP;
    RETURN keys;
END $$;

-- The severity of the rule that governs `host` (longest suffix), or NULL when none does.
CREATE FUNCTION domain_severity(host text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT b.severity FROM domain_blocks b
    WHERE b.domain = ANY (domain_rule_keys(host))
    ORDER BY array_position(domain_rule_keys(host), b.domain)
    LIMIT 1
$$;

-- Every process keeps an in-memory copy of the policy for checks that cannot wait on the
-- database (the outbound guard, the inbox gate); this tells them, at commit, to reload it.
CREATE FUNCTION domain_policy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fedi_domain_policy', '');
    RETURN NULL;
END $$;
CREATE TRIGGER domain_blocks_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON domain_blocks FOR EACH STATEMENT EXECUTE FUNCTION domain_policy_changed();
CREATE TRIGGER domain_allows_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON domain_allows FOR EACH STATEMENT EXECUTE FUNCTION domain_policy_changed();
CREATE TRIGGER federation_mode_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON federation_mode FOR EACH STATEMENT EXECUTE FUNCTION domain_policy_changed();

-- Which accounts live on a domain: the purge of a suspended one, and the local-domain check,
-- read by it; the purge also gives up on queued deliveries by domain.
CREATE INDEX actors_domain ON actors (domain);
CREATE INDEX deliveries_pending_domain ON deliveries (domain) WHERE state = 'pending';
