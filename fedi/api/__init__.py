"""The Mastodon-compatible client API (and, later, the admin API and our group API)."""
