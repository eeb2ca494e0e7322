"""Anti-farming: cooldowns, daily caps, channel multipliers and near-duplicate text, all in memory.

The rule book runs on the hot path before anything is queued, so it does dict look-ups only. Today's
totals are seeded from the ledger at start (``PointsEngine.start``), so caps survive a restart; cooldowns
are deliberately memory-only (a restart can at most open one extra award per member and rule).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, tzinfo

from cogs.points.config import PointsConfig

# Stripped from both ends of each word ("great!" repeats "Great"); cheaper than translating the whole text.
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…“”‘’«»¡¿"
NEAR_DUPLICATE = 0.8  # Jaccard similarity of word sets above which a message repeats an earlier one
RECENT_MEMBERS = 50_000  # members whose recent messages are remembered (least recently active forgotten)


class RuleBook:
    def __init__(self, config: PointsConfig, timezone: tzinfo) -> None:
        self.config = config
        self.timezone = timezone
        self._last: dict[tuple[int, str], float] = {}
        self._daily: dict[tuple[int, str], int] = {}
        self._day = ""
        self._slots: dict[int, tuple[str, str]] = {}
        self._recent: OrderedDict[int, deque[tuple[int, int, int]]] = OrderedDict()

    def _local(self, at: datetime) -> tuple[str, str]:
        return self._local_at(at.timestamp(), at)

    def _local_at(self, timestamp: float, at: datetime) -> tuple[str, str]:
        # Timezone offsets only change on quarter-hour boundaries: cache the day and week per quarter hour.
        slot = int(timestamp // 900)
        cached = self._slots.get(slot)
        if cached is None:
            local = at.astimezone(self.timezone)
            year, week, _ = local.isocalendar()
            cached = (local.strftime("%Y-%m-%d"), f"w{year}-{week:02d}")
            if len(self._slots) > 1000:
                self._slots.clear()
            self._slots[slot] = cached
        return cached

    def day_of(self, at: datetime) -> str:
        return self._local(at)[0]

    def week_of(self, at: datetime) -> str:
        """The ISO week period key (``w2026-10``) in the community's timezone."""
        return self._local(at)[1]

    def seed_daily(self, day: str, totals: dict[tuple[int, str], int]) -> None:
        self._day = day
        self._daily = dict(totals)

    def allowance(self, member_id: int, rule: str, at: datetime, place_key: str | None = None) -> int:
        """Points this rule may award now (0 = nothing), and book them against cooldown and cap."""
        settings = self.config.rules.get(rule)
        if settings is None or not settings.amount:
            return 0
        key = (member_id, rule)
        now = at.timestamp()
        cooldown = settings.cooldown_seconds
        if cooldown:
            last = self._last.get(key)
            if last is not None and now - last < cooldown:
                return 0
        amount = settings.amount
        if place_key and settings.channel_multipliers:
            factor = settings.channel_multipliers.get(place_key)
            if factor is None:
                factor = settings.channel_multipliers.get(place_key.split("/")[0], 1.0)
            amount = round(amount * factor)
        cap = settings.daily_cap
        if cap:
            day = self._local_at(now, at)[0]
            if day != self._day:
                self._day, self._daily = day, {}
            used = self._daily.get(key, 0)
            if amount > cap - used:
                amount = cap - used
            if amount <= 0:
                return 0
            self._daily[key] = used + amount
        if cooldown:
            self._last[key] = now
        return amount

    def is_repeat(self, member_id: int, text: str) -> bool:
        """True if the text repeats (or nearly repeats) one of the member's recent messages.

        Word sets are kept as 1024-bit masks (one bit per word hash): comparing two is a few integer
        operations instead of building a set, and with at most 60 words collisions barely move the score.
        """
        window = self.config.duplicate_window
        if window == 0:
            return False
        words = [word.strip(_PUNCTUATION) for word in text.lower().split()]
        fingerprint = hash(tuple(words))
        mask = 0
        for word in words[:60]:
            mask |= 1 << (hash(word) & 1023)
        size = mask.bit_count()
        recent = self._recent.get(member_id)
        if recent is None:
            recent = self._recent[member_id] = deque(maxlen=window)
            if len(self._recent) > RECENT_MEMBERS:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(member_id)
            if size >= 3:
                for previous, previous_mask, previous_size in recent:
                    if fingerprint == previous:
                        return True
                    shared = (mask & previous_mask).bit_count()
                    if shared >= NEAR_DUPLICATE * (size + previous_size - shared):  # Jaccard ≥ 0.8
                        return True
            elif any(fingerprint == previous for previous, _, _ in recent):
                return True
        recent.append((fingerprint, mask, size))
        return False
