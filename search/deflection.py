"""Inside the request form: the help articles that may answer what is being typed, and a clearly better topic."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from search.results import ArticleHit
from search.results import SearchResult
from search.results import TopicHit

MAX_ARTICLES = 3
# Fewer letters than this say nothing yet: no search, no suggestions.
MIN_LETTERS = 5
# «Clearly another topic»: the text says enough (words) and the search's best topic scores at least
# SWITCH_RATIO times this form's own topic (which counts as 0 when the search did not find it at all).
MIN_SWITCH_WORDS = 3
SWITCH_RATIO = 1.5
# A form whose suggested article was opened and which filed nothing within this time was deflected.
DEFLECTION_WINDOW = timedelta(hours=1)

ARTICLE_OPENED = "article_opened"
TOPIC_SWITCHED = "topic_switched"


def form_text(summary: str | None, description: str | None) -> str:
    """What the search reads from the form: the summary first, it is the densest."""
    return " ".join(part.strip() for part in (summary or "", description or "") if part and part.strip())


def worth_searching(text: str) -> bool:
    return sum(ch.isalpha() for ch in text) >= MIN_LETTERS


def suggested_articles(result: SearchResult | None, limit: int = MAX_ARTICLES) -> list[ArticleHit]:
    """At most `limit` articles, best first."""
    return list(result.articles[:limit]) if result else []


def other_topic(result: SearchResult | None, current_key: str, text: str) -> TopicHit | None:
    """The topic the text clearly belongs to when it is not this form's one, else None."""
    if result is None or not result.topics or len(text.split()) < MIN_SWITCH_WORDS:
        return None
    best = result.topics[0]
    if best.topic.key == current_key:
        return None
    own = next((h.score for h in result.topics if h.topic.key == current_key), 0.0)
    return best if best.score >= SWITCH_RATIO * own and best.score > 0 else None


@dataclass(frozen=True)
class OpenedForm:
    """A form in which a suggested article was opened: when first, and when (if ever) it was filed."""

    submission_id: str
    company_id: int | None
    first_opened: datetime
    filed_at: datetime | None = None


@dataclass
class DeflectionFigures:
    opened: int = 0
    filed: int = 0
    deflected: int = 0
    pending: int = 0
    by_article: dict[str, list[int]] = field(default_factory=dict)  # slug → [opened, deflected]

    @property
    def rate(self) -> float | None:
        """Deflected share of the forms already judged (pending ones left out)."""
        judged = self.filed + self.deflected
        return self.deflected / judged if judged else None


def verdict(form: OpenedForm, now: datetime, window: timedelta = DEFLECTION_WINDOW) -> str:
    """Filed (a request followed within the window), deflected, or pending (the window is still open)."""
    if form.filed_at is not None and form.filed_at - form.first_opened <= window:
        return "filed"
    return "deflected" if now - form.first_opened > window else "pending"


def deflection_figures(forms: list[OpenedForm], articles: dict[tuple[int | None, str], list[str]], now: datetime,
                       window: timedelta = DEFLECTION_WINDOW) -> DeflectionFigures:
    """Count the forms by verdict, and per article (`articles`: (company, submission id) → slugs opened)."""
    figures = DeflectionFigures(opened=len(forms))
    for form in forms:
        outcome = verdict(form, now, window)
        setattr(figures, outcome, getattr(figures, outcome) + 1)
        for slug in articles.get((form.company_id, form.submission_id), []):
            row = figures.by_article.setdefault(slug, [0, 0])
            row[0] += 1
            row[1] += outcome == "deflected"
    return figures
