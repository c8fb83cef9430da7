"""Fault injection for the store's tests: a TCP proxy that drops replies and connections, and private servers."""
