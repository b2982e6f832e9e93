"""What a search returns (ranked hits, the repaired query, a confidence flag) and how it is presented."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

from kb.catalog import Article
from kb.catalog import Catalog
from kb.catalog import Category
from kb.catalog import Need
from kb.catalog import Topic
from search.text import GENERAL_WORDS
from search.text import fold
from search.text import swap_to_ru


@dataclass(frozen=True)
class CategoryHit:
    category: Category
    score: float

    @property
    def key(self) -> str:
        return f"category:{self.category.slug}"


@dataclass(frozen=True)
class TopicHit:
    topic: Topic
    category: Category
    score: float

    @property
    def key(self) -> str:
        return f"topic:{self.topic.key}"


@dataclass(frozen=True)
class ArticleHit:
    article: Article
    score: float

    @property
    def key(self) -> str:
        return f"article:{self.article.slug}"


Hit = CategoryHit | TopicHit | ArticleHit


@dataclass(frozen=True)
class SearchResult:
    query: str
    corrected: str | None = None
    confident: bool = False
    categories: list[CategoryHit] = field(default_factory=list)
    topics: list[TopicHit] = field(default_factory=list)
    articles: list[ArticleHit] = field(default_factory=list)

    @property
    def understood(self) -> str:
        """The words the results were found for: the repaired query when it was corrected."""
        return self.corrected or self.query

    @property
    def is_empty(self) -> bool:
        return not (self.categories or self.topics or self.articles)

    @property
    def hits(self) -> list[Hit]:
        """All hits in one list, best first."""
        merged: list[Hit] = [*self.topics, *self.articles, *self.categories]
        return sorted(merged, key=lambda h: -h.score)

    @property
    def top(self) -> Hit | None:
        hits = self.hits
        return hits[0] if hits else None


# --- presentation: look-alike topics grouped by need; too little to search ------------------------

# The best group is marked when it leads the next one by this much (the engine's own confidence,
# which counts look-alike topics as rivals, is also enough).
BEST_LEAD = 1.25
MIN_WORD_LETTERS = 3
_LETTERS_RE = re.compile(r"[a-zа-я]+")


def meaningful_words(text: str) -> list[str]:
    """The words worth searching: 3+ letters and not a general word (in either layout)."""
    return [word for word in _LETTERS_RE.findall(fold(text))
            if len(word) >= MIN_WORD_LETTERS and word not in GENERAL_WORDS
            and fold(swap_to_ru(word)) not in GENERAL_WORDS]


def describes_enough(text: str) -> bool:
    """True when the text has a word worth searching."""
    return bool(meaningful_words(text))


@dataclass(frozen=True)
class TopicGroup:
    """One result for one need: the topics found for it, best first, then its other categories."""

    hits: tuple[TopicHit, ...]
    topics: tuple[Topic, ...]
    need: Need | None = None

    @property
    def best(self) -> TopicHit:
        return self.hits[0]

    @property
    def score(self) -> float:
        return self.best.score

    @property
    def title(self) -> str:
        return self.best.topic.title


def group_topics(result: SearchResult, catalog: Catalog) -> list[TopicGroup]:
    """The topic hits merged by need, in the order of each need's best hit."""
    found: dict[str, list[TopicHit]] = {}
    for hit in result.topics:
        found.setdefault(hit.topic.need or hit.topic.key, []).append(hit)
    groups = []
    for hits in found.values():
        keys = {h.topic.key for h in hits}
        rest = [t for t in catalog.same_need(hits[0].topic) if t.key not in keys]
        groups.append(TopicGroup(tuple(hits), (*(h.topic for h in hits), *rest), catalog.need_of(hits[0].topic)))
    return groups


def best_is_clear(result: SearchResult, groups: list[TopicGroup]) -> bool:
    """Mark the first group as the best match: the engine is confident, or it leads the next need enough.

    One word («обзвон») names a subject, not yet a need: with rivals left, it never gets the mark.
    """
    if not groups:
        return False
    if len(groups) == 1:
        return True
    if len(meaningful_words(result.understood)) < 2:
        return False
    if result.confident:
        return True
    return groups[0].score >= BEST_LEAD * groups[1].score

MORE_WORDS_HINT = "Опишите проблему подробнее — например, «не работает обзвон» или «не формируется отчет»."
