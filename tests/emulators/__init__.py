"""Loopback servers that stand in for chat platforms in tests."""
