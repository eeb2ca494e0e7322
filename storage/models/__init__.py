"""Typed SQLAlchemy models. Each feature owns its module; Alembic sees them all through ``Base``."""

from storage.models.base import Base
from storage.models.members import Identity, LinkCode, Member
from storage.models.points import LedgerEntry, MemberPoints, PostStats, RuleCount
from storage.models.purchases import (
    Purchase,
    PurchaseClaim,
    PurchaseCustomer,
    PurchaseDelivery,
    PurchaseRefund,
    PurchaseRoleGrant,
    PurchaseSyncCursor,
)
from storage.models.rewards import MemberBadge, MemberTier, Season, SeasonResult, TierRoleGrant
from storage.models.rituals import (
    Ritual,
    RitualEntry,
    RitualMemberSettings,
    RitualNotice,
    RitualOccurrence,
    RitualParticipant,
    RitualPost,
    RitualReminder,
    RitualRoundup,
    RitualRsvp,
    RitualStreak,
    RitualWeeklyActive,
)

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
    "Purchase",
    "PurchaseClaim",
    "PurchaseCustomer",
    "PurchaseDelivery",
    "PurchaseRefund",
    "PurchaseRoleGrant",
    "PurchaseSyncCursor",
    "Ritual",
    "RitualEntry",
    "RitualMemberSettings",
    "RitualNotice",
    "RitualOccurrence",
    "RitualParticipant",
    "RitualPost",
    "RitualReminder",
    "RitualRoundup",
    "RitualRsvp",
    "RitualStreak",
    "RitualWeeklyActive",
    "RuleCount",
    "Season",
    "SeasonResult",
    "TierRoleGrant",
]
