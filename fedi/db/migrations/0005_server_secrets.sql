-- Secrets that every process of a node must share, such as the key that signs sign-in forms.
-- Each row is made on first use (INSERT ... ON CONFLICT DO NOTHING), so all processes agree.
CREATE TABLE server_secrets (
    name text PRIMARY KEY,
    value bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
