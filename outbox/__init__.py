"""Sending: publishing domain changes as activities and delivering them durably."""
