"""Database access: the connection pool, migrations and plain-SQL queries returning dataclasses."""
