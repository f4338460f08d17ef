"""Discovery: WebFinger (RFC 7033), host-meta and NodeInfo, served and resolved."""
