"""Converters from our rows to Mastodon's documented entities."""
