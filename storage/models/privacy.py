"""A member's privacy choices, in one place for every feature: leaderboards, DMs, the public proof page.

A member without a row has the defaults: shown on leaderboards, DMs allowed, *not* on the proof page
(appearing on a public web page is opt-in). Readers treat a missing row as those defaults, so nothing has
to be written for the million members who never change a setting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class MemberPreference(Base):
    """``/privacy``: leaderboard visibility, DMs (shared with ``/dm``) and proof-page display."""

    __tablename__ = "member_preferences"
    __table_args__ = (
        # The proof page lists opted-in members: a partial index keeps that a walk over the few who said yes.
        Index("ix_member_preferences_proof", "member_id", sqlite_where=text("show_on_proof"),
              postgresql_where=text("show_on_proof")),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    show_on_leaderboard: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    allow_dms: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    show_on_proof: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
