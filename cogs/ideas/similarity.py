"""Duplicate detection for ideas: token-set similarity of titles.

Titles are short and worded freely ("dark mode please" / "Add a dark theme mode"), so word order and
filler words are ignored: each title becomes a set of meaningful words (lowercased, punctuation and
common filler dropped, a plural "s" trimmed) and two titles score the share of words they have in common
(Jaccard: shared / all). 1.0 is the same words; the default threshold 0.5 means half of them are shared.
"""

from __future__ import annotations

from collections.abc import Iterable

_PUNCTUATION = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…“”‘’«»¡¿"})
FILLER = frozenset({
    "a", "an", "the", "and", "or", "but", "of", "to", "for", "in", "on", "at", "by", "with", "from", "into",
    "about", "as", "is", "are", "be", "been", "it", "its", "this", "that", "these", "those", "i", "we", "you", "me",
    "my", "our", "your", "please", "pls", "add", "adding", "make", "making", "could", "would", "should", "can",
    "will", "let", "have", "has", "want", "need", "more", "new", "option", "options", "ability", "able", "allow",
    "allowing", "support", "some", "any", "way", "feature", "idea", "request", "get"
})


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def words(text: str) -> frozenset[str]:
    tokens = text.lower().translate(_PUNCTUATION).split()
    meaningful = frozenset(_stem(t) for t in tokens if t not in FILLER)
    # A title made only of filler words still needs something to compare.
    return meaningful or frozenset(_stem(t) for t in tokens)


def similarity(first: frozenset[str], second: frozenset[str]) -> float:
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def most_similar(text: str, candidates: Iterable[tuple[int, str]], threshold: float,
                 limit: int = 3) -> list[tuple[float, int]]:
    """The ids of the candidates at least ``threshold`` similar to ``text``, best first."""
    mine = words(text)
    scored = [(similarity(mine, words(title)), idea_id) for idea_id, title in candidates]
    matches = sorted(((score, idea_id) for score, idea_id in scored if score >= threshold),
                     key=lambda pair: (-pair[0], pair[1]))
    return matches[:limit]
