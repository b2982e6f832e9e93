"""What the request form suggests while the customer types: help articles and a clearly better topic."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from kb.catalog import Topic
from search.deflection import form_text
from search.deflection import other_topic
from search.deflection import suggested_articles
from search.deflection import worth_searching
from search.flask_glue import search_quietly
from search.results import ArticleHit
from search.results import TopicHit
from views.request_form import RequestForm

SEARCH_DEPTH = 5


@dataclass(frozen=True)
class Suggestions:
    searched: bool = False
    articles: list[ArticleHit] = field(default_factory=list)
    other: TopicHit | None = None


def suggestions_for(form: RequestForm, topic: Topic) -> Suggestions:
    """Search the summary and description; not logged, the search log is for what people type in the box."""
    text = form_text(form.summary.data, form.description.data)
    if not worth_searching(text):
        return Suggestions()
    result = search_quietly(text, SEARCH_DEPTH)
    return Suggestions(True, suggested_articles(result), other_topic(result, topic.key, text))
