"""All-time rank of every member in memory: O(log n) per update and per look-up at a million members.

A SQL ``COUNT(*) WHERE points > mine`` walks the index up to the member's position, which at 1M
members is tens of milliseconds for the long tail; the sorted list answers in microseconds.
"""

from __future__ import annotations

from collections.abc import Iterable

from sortedcontainers import SortedList


class RankIndex:
    def __init__(self) -> None:
        self._points: dict[int, int] = {}
        # Negated so that bisect_left gives "how many have strictly more points".
        self._sorted: SortedList = SortedList()

    def load(self, pairs: Iterable[tuple[int, int]]) -> None:
        self._points = dict(pairs)
        self._sorted = SortedList(-points for points in self._points.values())

    def add(self, member_id: int, delta: int) -> None:
        if not delta:
            return
        old = self._points.get(member_id)
        if old is not None:
            self._sorted.remove(-old)
        new = (old or 0) + delta
        self._points[member_id] = new
        self._sorted.add(-new)

    def merge(self, kept: int, merged: int) -> None:
        moved = self._points.pop(merged, None)
        if moved is not None:
            self._sorted.remove(-moved)
            self.add(kept, moved)

    def remove(self, member_id: int) -> None:
        old = self._points.pop(member_id, None)
        if old is not None:
            self._sorted.remove(-old)

    def points(self, member_id: int) -> int:
        return self._points.get(member_id, 0)

    def rank(self, member_id: int) -> int | None:
        """1 for the top; ties share a rank. ``None`` for a member with no points yet."""
        points = self._points.get(member_id)
        if points is None:
            return None
        return int(self._sorted.bisect_left(-points)) + 1

    def __len__(self) -> int:
        return len(self._points)
