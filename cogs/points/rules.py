"""Anti-farming: cooldowns, daily caps, channel multipliers and near-duplicate text, all in memory.

The rule book runs on the hot path before anything is queued, so it does dict look-ups only. Daily
totals are seeded from the ``daily_counts`` aggregate at start, so caps survive a restart; cooldowns
are deliberately memory-only (a restart can at most open one extra award per member and rule).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, tzinfo

from cogs.points.config import PointsConfig

_PUNCTUATION = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…“”‘’«»¡¿"})
NEAR_DUPLICATE = 0.8  # Jaccard similarity of word sets above which a message repeats an earlier one
RECENT_MEMBERS = 50_000  # members whose recent messages are remembered (least recently active forgotten)


def normalise(text: str) -> str:
    return " ".join(text.lower().translate(_PUNCTUATION).split())


class RuleBook:
    def __init__(self, config: PointsConfig, timezone: tzinfo) -> None:
        self.config = config
        self.timezone = timezone
        self._last: dict[tuple[int, str], float] = {}
        self._daily: dict[tuple[int, str], int] = {}
        self._day = ""
        self._slots: dict[int, tuple[str, str]] = {}
        self._recent: OrderedDict[int, deque[tuple[int, frozenset[str]]]] = OrderedDict()

    def _local(self, at: datetime) -> tuple[str, str]:
        # Timezone offsets only change on quarter-hour boundaries: cache the day and week per quarter hour.
        slot = int(at.timestamp() // 900)
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
        if settings is None or settings.amount == 0:
            return 0
        key = (member_id, rule)
        now = at.timestamp()
        if settings.cooldown_seconds:
            last = self._last.get(key)
            if last is not None and now - last < settings.cooldown_seconds:
                return 0
        amount = settings.amount
        if place_key and settings.channel_multipliers:
            factor = settings.channel_multipliers.get(place_key)
            if factor is None:
                factor = settings.channel_multipliers.get(place_key.split("/")[0], 1.0)
            amount = round(amount * factor)
        if settings.daily_cap:
            day = self.day_of(at)
            if day != self._day:
                self._day, self._daily = day, {}
            used = self._daily.get(key, 0)
            amount = min(amount, settings.daily_cap - used)
            if amount <= 0:
                return 0
            self._daily[key] = used + amount
        if settings.cooldown_seconds:
            self._last[key] = now
        return amount

    def is_repeat(self, member_id: int, text: str) -> bool:
        """True if the text repeats (or nearly repeats) one of the member's recent messages."""
        window = self.config.duplicate_window
        if window == 0:
            return False
        cleaned = normalise(text)
        fingerprint = hash(cleaned)
        words = frozenset(cleaned.split()[:60])
        recent = self._recent.get(member_id)
        if recent is None:
            recent = self._recent[member_id] = deque(maxlen=window)
            if len(self._recent) > RECENT_MEMBERS:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(member_id)
        for previous, previous_words in recent:
            if fingerprint == previous:
                return True
            if len(words) >= 3 and previous_words:
                overlap = len(words & previous_words) / len(words | previous_words)
                if overlap >= NEAR_DUPLICATE:
                    return True
        recent.append((fingerprint, words))
        return False
