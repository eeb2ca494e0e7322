"""Members: the person behind platform accounts. A core service every cog receives, not a chat feature."""
