-- Choices an admin makes about the instance at run time, one typed column each. At most one row;
-- no row means every default. (The federation mode keeps its own table, from 0011.)
CREATE TABLE instance_settings (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- Whether GET /api/v1/instance/domain_blocks answers at all: a list of blocked domains can
    -- tell an adversary who this node distrusts, so it stays hidden until an admin shows it.
    show_domain_blocks boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);
