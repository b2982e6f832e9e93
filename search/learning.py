"""Learning from use: the phrase a customer searched and the topic they filed under strengthen each other.

Guards: a pair counts only when several distinct companies filed it (one company cannot teach the portal),
each company's filing fades with a half-life, and a pair an agent removed never counts again.
Plain Python: the rows come in as `Filing`s, the prior for a query goes out as topic key → weight 0..1.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from search.text import STOP_WORDS
from search.text import fold

# A company's filing older than this many half-lives weighs under 1/16: it no longer counts towards the guard.
HORIZON_HALF_LIVES = 4
# Cheap word forms without a lemmatizer: «кредитного лимита» and «кредитный лимит» share their first letters.
TOKEN_PREFIX = 5
MIN_TOKEN = 3
# Below this token overlap (Jaccard) a learnt phrase says nothing about the query.
MIN_OVERLAP = 0.5
MIN_WEIGHT = 0.05

_TOKEN_RE = re.compile(r"<[a-z]+>|\w+")

Prior = dict[str, float]


@dataclass(frozen=True)
class LearningPolicy:
    min_companies: int = 3
    half_life_days: float = 90.0

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.half_life_days * HORIZON_HALF_LIVES)


@dataclass(frozen=True)
class Filing:
    """One filed request that came from a search: the scrubbed phrase, the topic key, who and when."""

    phrase: str
    topic_key: str
    company_id: int
    at: datetime


@dataclass(frozen=True)
class PairStat:
    """A phrase → topic pair as the console shows it and the prior uses it."""

    phrase: str
    topic_key: str
    companies: int
    filings: int
    last_seen: datetime
    strength: float
    removed: bool
    counts: bool
    weight: float


def pair_weight(strength: float, policy: LearningPolicy) -> float:
    """0..1: a half at exactly the minimum of fresh companies, nearer 1 the more companies agree."""
    return strength / (strength + policy.min_companies) if strength > 0 else 0.0


def decay(age: timedelta, half_life_days: float) -> float:
    """1 for a filing made now, 1/2 after one half-life, 1/4 after two."""
    days = max(age.total_seconds(), 0.0) / 86400
    return 0.5 ** (days / half_life_days) if half_life_days > 0 else 1.0


def pair_stats(filings: Iterable[Filing], removed: set[tuple[str, str]], now: datetime,
               policy: LearningPolicy) -> list[PairStat]:
    """Group the filings into pairs: distinct companies, decayed strength, whether the pair counts."""
    latest: dict[tuple[str, str], dict[int, datetime]] = {}
    filed: dict[tuple[str, str], int] = {}
    for f in filings:
        if not f.phrase:
            continue
        key = (f.phrase, f.topic_key)
        companies = latest.setdefault(key, {})
        if f.company_id not in companies or f.at > companies[f.company_id]:
            companies[f.company_id] = f.at
        filed[key] = filed.get(key, 0) + 1
    stats = []
    for (phrase, topic_key), companies in latest.items():
        live = [at for at in companies.values() if now - at <= policy.horizon]
        strength = sum(decay(now - at, policy.half_life_days) for at in live)
        is_removed = (phrase, topic_key) in removed
        counts = not is_removed and len(live) >= policy.min_companies
        stats.append(PairStat(phrase, topic_key, len(companies), filed[(phrase, topic_key)],
                              max(companies.values()), strength, is_removed, counts,
                              pair_weight(strength, policy) if counts else 0.0))
    stats.sort(key=lambda s: (-s.companies, -s.filings, s.phrase, s.topic_key))
    return stats


def tokens(text: str) -> frozenset[str]:
    """The words of a phrase, cut to their first letters; placeholders, stop words and short words left out."""
    return frozenset(t[:TOKEN_PREFIX] for t in _TOKEN_RE.findall(fold(text))
                     if len(t) >= MIN_TOKEN and not t.startswith("<") and t not in STOP_WORDS)


@dataclass
class LearntPairs:
    """The pairs that count, indexed for a query: by the whole phrase and by its words."""

    weights: dict[str, dict[str, float]] = field(default_factory=dict)  # phrase → topic key → weight
    phrase_tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    by_token: dict[str, set[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(len(topics) for topics in self.weights.values())

    def prior(self, query: str) -> Prior:
        """Topic key → weight 0..1 for what the customer typed; empty when nothing learnt matches."""
        if not self.weights:
            return {}
        text = " ".join(fold(query).split())
        matches: dict[str, float] = {text: 1.0} if text in self.weights else {}
        for phrase, overlap in self._overlaps(text).items():
            matches[phrase] = max(matches.get(phrase, 0.0), overlap)
        found: Prior = {}
        for phrase, overlap in matches.items():
            for topic_key, weight in self.weights[phrase].items():
                found[topic_key] = max(found.get(topic_key, 0.0), weight * overlap)
        return {key: round(w, 4) for key, w in found.items() if w >= MIN_WEIGHT}

    def _overlaps(self, text: str) -> dict[str, float]:
        words = list(tokens(text))
        if not words:
            return {}
        raw = _TOKEN_RE.findall(text)
        last = raw[-1][:TOKEN_PREFIX] if raw else ""
        query_tokens = set(words)
        # The word still being typed («кредитный лим») matches the learnt words it begins.
        if len(last) >= MIN_TOKEN and last not in self.by_token:
            completed = [t for t in self.by_token if t.startswith(last)]
            if completed:
                query_tokens.discard(last)
                query_tokens.add(completed[0])
        shared: Counter[str] = Counter()
        for token in query_tokens:
            shared.update(self.by_token.get(token, ()))
        overlaps = {}
        for phrase, common in shared.items():
            overlap = common / (len(query_tokens) + len(self.phrase_tokens[phrase]) - common)
            if overlap >= MIN_OVERLAP:
                overlaps[phrase] = overlap
        return overlaps


def learn(filings: Iterable[Filing], removed: set[tuple[str, str]], now: datetime,
          policy: LearningPolicy) -> LearntPairs:
    """Build the lookup of the pairs that count."""
    learnt = LearntPairs()
    for stat in pair_stats(filings, removed, now, policy):
        if not stat.counts or stat.weight < MIN_WEIGHT:
            continue
        learnt.weights.setdefault(stat.phrase, {})[stat.topic_key] = stat.weight
        if stat.phrase not in learnt.phrase_tokens:
            learnt.phrase_tokens[stat.phrase] = tokens(stat.phrase)
            for token in learnt.phrase_tokens[stat.phrase]:
                learnt.by_token.setdefault(token, set()).add(stat.phrase)
    return learnt


class PriorCache:
    """The learnt pairs of one process, reloaded at most every `every` seconds: no query per keystroke."""

    def __init__(self, load: Callable[[], LearntPairs | None], every: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._load = load
        self._every = every
        self._clock = clock
        self._pairs = LearntPairs()
        self._loaded_at: float | None = None

    def pairs(self) -> LearntPairs:
        """The pairs, reloaded when they are older than the interval; a failed load keeps the old ones."""
        now = self._clock()
        if self._loaded_at is None or now - self._loaded_at >= self._every:
            self._loaded_at = now
            fresh = self._load()
            if fresh is not None:
                self._pairs = fresh
        return self._pairs

    def invalidate(self) -> None:
        """Reload on the next search (an agent removed a pair in this process)."""
        self._loaded_at = None
