"""The platform-neutral kit: commands, events, replies, the Platform interface and member identity.

Imports no chat library; cogs and adapters both depend on it, never on each other.
"""
