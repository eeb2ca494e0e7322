"""Points from chat activity, ``/thanks``, ``/leaderboard`` and the points lines of ``/profile``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind
from bot.kit.context import Context
from bot.kit.events import MembersMerged, MessagePosted, ReactionAdded, ReactionRemoved
from bot.kit.platform import MessageRef, PlatformUser, message_key
from bot.kit.reply import Field, Reply
from cogs.members.service import MemberService
from cogs.points.config import PointsConfig
from cogs.points.engine import Award, PointsEngine
from cogs.points.moderation import PointsModeration
from cogs.points.queries import leaderboard, member_scores
from storage.database import Database
from storage.models import LedgerEntry

PERIOD_TITLES = {"all": "all time", "season": "this season", "week": "this week"}
CATEGORY_TITLES = {"points": "points", "helpers": "helps", "creators": "creations", "referrers": "referrals"}
AUTHOR_CACHE = 200_000



class PointsCog(Cog):
    name = "points"

    def __init__(self, engine: PointsEngine, members: MemberService, database: Database, config: PointsConfig,
                 moderation: PointsModeration) -> None:
        self.engine = engine
        self.members = members
        self.database = database
        self.config = config
        self.moderation = moderation
        # Who wrote recent posts, so reactions on platforms that don't say (Telegram) can skip self-reactions.
        self._authors: OrderedDict[str, int] = OrderedDict()
        # Which emojis each member has on each recent post: removing one of several keeps the award.
        self._reactions: OrderedDict[tuple[str, str], set[str]] = OrderedDict()
        self.min_length = config.min_message_length

    def commands(self) -> Sequence[Command]:
        return (
            Command("leaderboard", "Top members by points, helps, creations or referrals", self.show_leaderboard,
                    params=(Param("period", ParamKind.CHOICE, "all, season or week", required=False,
                                  choices=("all", "season", "week")),
                            Param("category", ParamKind.CHOICE, "What to rank by", required=False,
                                  choices=tuple(CATEGORY_TITLES))),
                    examples=("/leaderboard", "/leaderboard week", "/leaderboard all helpers")),
            Command("thanks", "Thank a member who helped you (gives them points)", self.thanks,
                    params=(Param("member", ParamKind.MEMBER, "Who helped you"),
                            Param("note", ParamKind.TEXT, "What they did", required=False, rest=True,
                                  max_length=200)),
                    scope="guild", examples=("/thanks @alice for the grinder tip",)),
            *self.moderation.commands(),
        )

    def listeners(self) -> Sequence[Listener]:
        return (
            (MessagePosted, self.on_message),
            (ReactionAdded, self.on_reaction),
            (ReactionRemoved, self.on_reaction_removed),
            (MembersMerged, self.on_merge),
        )

    # --- chat activity (hot path: no queries on a warm cache) ------------------------------------

    async def _old_enough(self, member_id: int, at: datetime) -> bool:
        hours = self.config.min_membership_hours
        if not hours:
            return True
        joined = await self.members.joined_at(member_id)
        return joined is not None and at - joined >= timedelta(hours=hours)

    async def _member(self, user: PlatformUser) -> int:
        cached = self.members.cached(user)
        return cached if cached is not None else await self.members.resolve(user)

    async def on_message(self, event: MessagePosted) -> None:
        author = event.author
        if author.is_bot:
            return
        member_id = self.members.cached(author)
        if member_id is None:
            member_id = await self.members.resolve(author)
        message = event.message
        place = message.place
        key = f"{place.platform}:{place.chat_id}:{message.message_id}"
        authors = self._authors
        authors[key] = member_id
        if len(authors) > AUTHOR_CACHE:
            authors.popitem(last=False)
        text = event.text
        if len(text) < self.min_length or len(text.strip()) < self.min_length:
            return
        if self.config.min_membership_hours and not await self._old_enough(member_id, event.at):
            return
        engine = self.engine
        rules = engine.rules
        if rules.is_repeat(member_id, text):
            return
        reply_to = event.reply_to
        is_comment = bool(place.thread_id) or (
            reply_to is not None and authors.get(message_key(reply_to)) != member_id)
        rule = "comment" if is_comment else "message"
        amount = rules.allowance(member_id, rule, event.at, place.key)
        if amount:
            if engine.backlogged:
                await engine.wait_for_room()
            engine.submit(Award(member_id, rule, amount, f"{place.platform}:message:{place.chat_id}:"
                                f"{message.message_id}", event.at))

    async def on_reaction(self, event: ReactionAdded) -> None:
        user = event.user
        if user.is_bot:
            return
        giver = await self._member(user)
        message = event.message
        key = message_key(message)
        author: int | None
        if event.message_author is not None:
            author = None if event.message_author.is_bot else await self._member(event.message_author)
        else:
            author = self._authors.get(key)
        if author == giver:
            return
        reacted = (key, user.user_id)
        emojis = self._reactions.get(reacted)
        if emojis is None:
            emojis = self._reactions[reacted] = set()
            if len(self._reactions) > AUTHOR_CACHE:
                self._reactions.popitem(last=False)
        first = not emojis
        emojis.add(event.emoji)
        if not first or (self.config.min_membership_hours and not await self._old_enough(giver, event.at)):
            return
        engine = self.engine
        # Recorded even at 0 points (cooldown or cap): the post still gained a distinct reactor.
        amount = engine.rules.allowance(giver, "reaction_given", event.at, message.place.key)
        if engine.backlogged:
            await engine.wait_for_room()
        engine.submit(Award(giver, "reaction_given", amount, self._reaction_source(message, user.user_id), event.at,
                            post_key=key, post_author_id=author))

    @staticmethod
    def _reaction_source(message: MessageRef, user_id: str) -> str:
        place = message.place
        return f"{place.platform}:reaction:{place.chat_id}:{message.message_id}:{user_id}"

    async def on_reaction_removed(self, event: ReactionRemoved) -> None:
        emojis = self._reactions.get((message_key(event.message), event.user.user_id))
        if emojis is not None:
            emojis.discard(event.emoji)
            if emojis:
                return  # another of their reactions is still on the post
            del self._reactions[(message_key(event.message), event.user.user_id)]
        await self.engine.reverse(self._reaction_source(event.message, event.user.user_id), "reaction removed",
                                  event.at, post_key=message_key(event.message))

    async def on_merge(self, event: MembersMerged) -> None:
        await self.engine.merge_members(event.kept, event.merged)

    # --- commands ----------------------------------------------------------------------------------

    async def show_leaderboard(self, ctx: Context) -> Reply:
        period = ctx.args.get("period", "all")
        category = ctx.args.get("category", "points")
        if period != "all" and category != "points":
            return Reply.error(f"{CATEGORY_TITLES[category].title()} are ranked all-time: try "
                               f"/leaderboard all {category}.")
        if period == "season" and self.engine.season_id is None:
            return Reply.error("No season is running — try /leaderboard all or /leaderboard week.")
        standings = await leaderboard(
            self.database, category, self.config.leaderboard_size,
            week=self.engine.rules.week_of(ctx.clock.now()) if period == "week" else None,
            season_id=self.engine.season_id if period == "season" else None)
        title = f"Leaderboard — {CATEGORY_TITLES[category]}, {PERIOD_TITLES[period]}"
        if not standings:
            return Reply(title=title, text="Nobody's on the board yet — be the first: post, help, share.")
        medals = {1: "🥇", 2: "🥈", 3: "🥉"}
        lines = [f"{medals.get(n, f'{n}.')} {s.display_name} — {s.value:,}" for n, s in enumerate(standings, start=1)]
        return Reply(title=title, text="\n".join(lines), footer="Your own standing: /profile")

    async def thanks(self, ctx: Context) -> Reply:
        target = ctx.args["member"]
        if target.is_bot:
            return Reply.error("Bots don't collect thanks — thank the member who helped you.")
        receiver = await ctx.member_of(target)
        if receiver == ctx.member_id:
            return Reply.error("You can't thank yourself — but nice try! Thank someone who helped you.")
        now = ctx.clock.now()
        if await self._thanks_given_today(ctx.member_id, now) >= self.config.thanks_per_day:
            return Reply.error(f"You've given {self.config.thanks_per_day} thanks today — that's the daily limit. "
                               "More tomorrow!")
        window = self.config.thanks_pair_hours * 3600 or 1
        source = f"thanks:{ctx.member_id}:{receiver}:{int(now.timestamp() // window)}"
        amount = self.engine.rules.allowance(receiver, "peer_help", now)
        recorded = await self.engine.award(Award(receiver, "peer_help", amount, source, now,
                                                 note=(ctx.args.get("note") or "")[:200] or None,
                                                 actor_member_id=ctx.member_id))
        if not recorded:
            return Reply.error(f"You already thanked {target.display_name} recently — you can thank them again "
                               f"after {self.config.thanks_pair_hours} hours.")
        gained = f" (+{amount} points for them)" if amount else " (they've reached today's points limit)"
        return Reply.success(f"🙏 You thanked {target.display_name}{gained}.")

    async def _thanks_given_today(self, member_id: int, now: datetime) -> int:
        local = now.astimezone(self.engine.timezone)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        async with self.database.session() as session:
            return int(await session.scalar(
                select(func.count()).select_from(LedgerEntry).where(
                    LedgerEntry.actor_member_id == member_id, LedgerEntry.rule == "peer_help",
                    LedgerEntry.created_at >= start)) or 0)

    async def profile_section(self, member_id: int) -> list[Field]:
        now = self.engine.clock.now()
        season = self.engine.season_id
        scores = await member_scores(self.database, member_id, self.engine.rules.week_of(now), season)
        rank = self.engine.ranks.rank(member_id)
        ranked = f" (#{rank:,} of {len(self.engine.ranks):,})" if rank else ""
        fields = [Field("Points", f"{scores.lifetime:,}{ranked}", inline=True),
                  Field("This week", f"{scores.week:,}", inline=True)]
        if season is not None:
            fields.append(Field("This season", f"{scores.season:,}", inline=True))
        return fields
