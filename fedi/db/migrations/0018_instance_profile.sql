-- The instance's profile as admins set it in the pages, invitations to sign up, and sign-ups
-- waiting for an admin.

-- NULL in any of these keeps the value of the settings file (FEDI_INSTANCE_NAME and the rest).
ALTER TABLE instance_settings
    ADD COLUMN name text,
    ADD COLUMN description text,
    ADD COLUMN rules text[],
    ADD COLUMN registrations text
        CHECK (registrations IN ('closed', 'invite', 'approval', 'open')),
    ADD COLUMN languages text[];

-- The code is kept as it is, not hashed: an admin must be able to copy an invitation link
-- again after making it. Revoking one is how it stops working.
CREATE TABLE invitations (
    id bigserial PRIMARY KEY,
    code text NOT NULL UNIQUE,
    -- NULL: no limit.
    max_uses integer CHECK (max_uses IS NULL OR max_uses > 0),
    uses integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
    expires_at timestamptz,
    created_by bigint REFERENCES actors (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- approved_at NULL: the account waits for an admin and cannot sign in. Every account made
-- before this, and every one made by an admin or the command line, counts as approved.
ALTER TABLE users
    ADD COLUMN approved_at timestamptz,
    ADD COLUMN sign_up_reason text,
    ADD COLUMN invitation_id bigint REFERENCES invitations (id) ON DELETE SET NULL;
UPDATE users SET approved_at = created_at;
ALTER TABLE users ALTER COLUMN approved_at SET DEFAULT now();
