"""Moderator tools: audited point grants and revokes, and seasons."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from sqlalchemy import select

from bot.kit.bus import EventBus
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.events import SeasonEnded
from bot.kit.reply import Reply
from cogs.points.config import PointsConfig
from cogs.points.engine import Award, PointsEngine
from cogs.points.queries import current_season, leaderboard
from storage.database import Database
from storage.models import Season, SeasonResult

log = logging.getLogger("hearth.points")


class PointsModeration:
    def __init__(self, engine: PointsEngine, database: Database, bus: EventBus, config: PointsConfig,
                 archive_top: int = 10) -> None:
        self.engine = engine
        self.database = database
        self.bus = bus
        self.config = config
        self.archive_top = archive_top

    def commands(self) -> Sequence[Command]:
        amount = Param("amount", ParamKind.INT, "Points (1 or more)", min_value=1, max_value=self.config.max_grant)
        return (
            Command("mod points grant", "Give a member points (audited)", self.grant,
                    params=(Param("member", ParamKind.MEMBER, "Who gets the points"), amount,
                            Param("reason", ParamKind.TEXT, "Why (kept in the audit trail)", rest=True,
                                  max_length=200)),
                    permission=Permission.MODERATOR, examples=("/mod points grant @alice 50 hosted the AMA",)),
            Command("mod points revoke", "Take points back from a member (audited)", self.revoke,
                    params=(Param("member", ParamKind.MEMBER, "Who loses the points"), amount,
                            Param("reason", ParamKind.TEXT, "Why (kept in the audit trail)", rest=True,
                                  max_length=200)),
                    permission=Permission.MODERATOR, examples=("/mod points revoke @bob 20 spam",)),
            Command("mod season start", "Start a season: a fresh leaderboard, lifetime points kept", self.start_season,
                    params=(Param("name", ParamKind.TEXT, "The season's name", rest=True, max_length=80),),
                    permission=Permission.MODERATOR, examples=("/mod season start Spring 2026",)),
            Command("mod season end", "End the season and archive its top members", self.end_season,
                    permission=Permission.MODERATOR),
        )

    async def _change(self, ctx: Context, sign: int) -> Reply:
        target, amount, reason = ctx.args["member"], ctx.args["amount"], ctx.args["reason"]
        if target.is_bot:
            return Reply.error("Bots can't hold points — pick a member.")
        member_id = await ctx.member_of(target)
        await self.engine.flush()
        balance = self.engine.ranks.points(member_id)
        if sign < 0 and amount > balance:
            return Reply.error(f"{target.display_name} has {balance:,} points; you can revoke at most that.")
        rule = "moderator_grant" if sign > 0 else "moderator_revoke"
        await self.engine.award(Award(member_id, rule, sign * amount, f"moderator:{uuid.uuid4().hex}",
                                      ctx.clock.now(), note=reason, actor_member_id=ctx.member_id))
        verb = "gave" if sign > 0 else "took"
        log.info("moderator %s:%s %s %d points %s member %d: %s", ctx.actor.platform, ctx.actor.user_id, verb,
                 amount, "to" if sign > 0 else "from", member_id, reason)
        new_balance = balance + sign * amount
        preposition = "to" if sign > 0 else "from"
        return Reply.success(f"You {verb} {amount:,} points {preposition} {target.display_name} — “{reason}”. "
                             f"They now have {new_balance:,}.")

    async def grant(self, ctx: Context) -> Reply:
        return await self._change(ctx, 1)

    async def revoke(self, ctx: Context) -> Reply:
        return await self._change(ctx, -1)

    async def start_season(self, ctx: Context) -> Reply:
        running = await current_season(self.database)
        if running is not None:
            return Reply.error(f"“{running.name}” is still running — end it first with /mod season end.")
        async with self.database.session() as session, session.begin():
            season = Season(name=ctx.args["name"], started_at=ctx.clock.now())
            session.add(season)
            await session.flush()
            season_id = season.id
        await self.engine.flush()
        self.engine.season_id = season_id
        return Reply.success(f"Season “{ctx.args['name']}” has begun! Everyone starts at 0 on /leaderboard season; "
                             "lifetime points are kept.")

    async def end_season(self, ctx: Context) -> Reply:
        season = await current_season(self.database)
        if season is None:
            return Reply.error("No season is running. Start one with /mod season start NAME.")
        await self.engine.flush()
        # The archive (and the champion) counts everyone; the announced podium leaves out hidden members.
        top = await leaderboard(self.database, "points", self.archive_top, season_id=season.id, public=False)
        shown = await leaderboard(self.database, "points", 3, season_id=season.id)
        async with self.database.session() as session, session.begin():
            stored = await session.scalar(select(Season).where(Season.id == season.id))
            assert stored is not None
            stored.ended_at = ctx.clock.now()
            session.add_all(SeasonResult(season_id=season.id, rank=rank, member_id=s.member_id, points=s.value)
                            for rank, s in enumerate(top, start=1))
        self.engine.season_id = None
        winner = top[0] if top else None
        await self.bus.publish(SeasonEnded(season_id=season.id, name=season.name,
                                           winner_member_id=winner.member_id if winner else None,
                                           at=ctx.clock.now()))
        podium = "\n".join(f"{n}. {s.display_name} — {s.value:,}" for n, s in enumerate(shown, start=1))
        text = f"Season “{season.name}” is over." + (f" Final top:\n{podium}" if podium else " Nobody scored.")
        return Reply.success(text, title="Season ended")
