"""Typed SQLAlchemy models. Each feature owns its module; Alembic sees them all through ``Base``."""

from storage.models.base import Base
from storage.models.members import Identity, LinkCode, Member
from storage.models.points import LedgerEntry, MemberPoints, PostStats, RuleCount
from storage.models.rewards import MemberBadge, MemberTier, Season, SeasonResult

__all__ = [
    "Base",
    "Identity",
    "LedgerEntry",
    "LinkCode",
    "Member",
    "MemberBadge",
    "MemberPoints",
    "MemberTier",
    "PostStats",
    "RuleCount",
    "Season",
    "SeasonResult",
]
