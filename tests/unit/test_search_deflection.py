"""Inside the form: which articles to offer, when the text clearly belongs to another topic, what was deflected."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from kb.catalog import Article
from kb.catalog import Category
from kb.catalog import Topic
from search.deflection import MIN_SWITCH_WORDS
from search.deflection import SWITCH_RATIO
from search.deflection import OpenedForm
from search.deflection import deflection_figures
from search.deflection import form_text
from search.deflection import other_topic
from search.deflection import suggested_articles
from search.deflection import verdict
from search.deflection import worth_searching
from search.results import ArticleHit
from search.results import SearchResult
from search.results import TopicHit

CHATS = Topic("chaty", "problema-s-chatami", "Проблема с чатами", "", "normal", "x", ())
LIMIT = Topic("finansy", "limit", "Изменение кредитного лимита", "", "normal", "x", ())
CAT = Category("c", "Категория", "", "", ())
TEXT = "просим увеличить кредитный лимит"


def hits(*pairs) -> SearchResult:
    return SearchResult("q", topics=[TopicHit(t, CAT, s) for t, s in pairs])


def test_another_topic_ahead_by_the_margin_is_clear():
    result = hits((LIMIT, SWITCH_RATIO * 10), (CHATS, 10.0))
    assert other_topic(result, CHATS.key, TEXT).topic is LIMIT


def test_just_under_the_margin_is_not_clear():
    result = hits((LIMIT, SWITCH_RATIO * 10 - 0.01), (CHATS, 10.0))
    assert other_topic(result, CHATS.key, TEXT) is None


def test_this_topic_not_found_at_all_leaves_any_positive_leader_clear():
    assert other_topic(hits((LIMIT, 0.5)), CHATS.key, TEXT).topic is LIMIT


def test_this_topic_first_is_never_a_switch():
    assert other_topic(hits((CHATS, 10.0), (LIMIT, 9.0)), CHATS.key, TEXT) is None


def test_too_few_words_are_never_clear():
    short = " ".join(TEXT.split()[: MIN_SWITCH_WORDS - 1])
    assert other_topic(hits((LIMIT, 50.0)), CHATS.key, short) is None
    assert other_topic(None, CHATS.key, TEXT) is None
    assert other_topic(hits(), CHATS.key, TEXT) is None


def test_at_most_three_articles_best_first():
    articles = [ArticleHit(Article(f"a{i}", f"Статья {i}", "guide", "", "", ""), 10.0 - i) for i in range(5)]
    result = SearchResult("q", articles=articles)
    assert [h.article.slug for h in suggested_articles(result)] == ["a0", "a1", "a2"]
    assert suggested_articles(None) == []


def test_form_text_and_the_minimum_worth_a_search():
    assert form_text("  Лимит ", "\nувеличить ") == "Лимит увеличить"
    assert form_text(None, "") == ""
    assert not worth_searching("ой 12345") and worth_searching("лимит")


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_verdicts():
    hour = timedelta(hours=1)
    assert verdict(OpenedForm("a", 1, NOW - 3 * hour, NOW - 2.5 * hour), NOW) == "filed"
    assert verdict(OpenedForm("a", 1, NOW - 3 * hour, NOW - hour), NOW) == "deflected"  # filed, but hours later
    assert verdict(OpenedForm("a", 1, NOW - 2 * hour), NOW) == "deflected"
    assert verdict(OpenedForm("a", 1, NOW - hour / 2), NOW) == "pending"


def test_figures_per_outcome_and_per_article():
    forms = [OpenedForm("a", 1, NOW - timedelta(hours=5)), OpenedForm("b", 1, NOW - timedelta(hours=5), NOW),
             OpenedForm("a", 2, NOW - timedelta(hours=5), NOW - timedelta(hours=5)), OpenedForm("c", 1, NOW)]
    articles = {(1, "a"): ["x", "y"], (1, "b"): ["x"], (2, "a"): ["x"], (1, "c"): ["y"]}
    figures = deflection_figures(forms, articles, NOW)
    assert (figures.opened, figures.deflected, figures.filed, figures.pending) == (4, 2, 1, 1)
    assert figures.by_article == {"x": [3, 2], "y": [2, 1]}
    assert figures.rate == 2 / 3
    assert deflection_figures([], {}, NOW).rate is None
