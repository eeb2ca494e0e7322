"""Typed SQLAlchemy models. Each feature owns its module; Alembic sees them all through ``Base``."""

from storage.models.base import Base
from storage.models.members import Identity, LinkCode, Member

__all__ = ["Base", "Identity", "LinkCode", "Member"]
