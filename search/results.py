"""What a search returns: ranked hits per list, the repaired query and a confidence flag."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from kb.catalog import Article
from kb.catalog import Category
from kb.catalog import Topic


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
