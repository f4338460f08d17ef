"""Receiving: routes, verification, idempotent storage and dispatch of incoming activities."""
