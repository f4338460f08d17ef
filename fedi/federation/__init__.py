"""Converters between this node's rows and ActivityPub documents."""
