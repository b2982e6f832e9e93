"""How results are presented: one group per need, the best match, and when there is too little to search."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.catalog import load_catalog
from search.results import SearchResult
from search.results import TopicHit
from search.results import best_is_clear
from search.results import describes_enough
from search.results import group_topics

CATALOG = load_catalog(Path(__file__).resolve().parents[2] / "content")


def hit(key: str, score: float) -> TopicHit:
    topic = CATALOG.topic(*key.split("/"))
    return TopicHit(topic, CATALOG.category(topic.category_slug), score)


@pytest.mark.parametrize("text", ["", "   ", "не", "не ", "у меня", "как что и", "не р", "rfr", "yt", "лк 12345", "!!!"])
def test_too_little_to_search(text):
    assert not describes_enough(text)


@pytest.mark.parametrize("text", ["обзвон", "не раб", "yt hf,jnftn", "смс", "sip", "рецепт борща", "id чата"])
def test_enough_to_search(text):
    assert describes_enough(text)


def test_groups_keep_the_order_of_their_best_hit_and_add_the_other_categories():
    result = SearchResult("x", topics=[
        hit("twin/problema-s-telefoniej", 5.0), hit("finansovye-voprosy/poteryalsya-platezh", 4.5),
        hit("telefoniya-i-zvonki/problemy-s-telefoniej", 3.0),
    ])
    first, second = group_topics(result, CATALOG)
    assert first.title == "Проблема с телефонией" and first.need.slug == "telephony-problem"
    assert [t.key for t in first.topics] == [
        "twin/problema-s-telefoniej", "telefoniya-i-zvonki/problemy-s-telefoniej", "globaltelekom/oshibka-v-telefonii"]
    assert second.need is None and [t.key for t in second.topics] == ["finansovye-voprosy/poteryalsya-platezh"]
    assert not best_is_clear(result, [first, second])
    lead = SearchResult("звонки обрываются", topics=[hit("twin/problema-s-telefoniej", 5.0),
                                                     hit("finansovye-voprosy/poteryalsya-platezh", 3.9)])
    assert best_is_clear(lead, group_topics(lead, CATALOG))
    # One word names a subject, not a need: however far ahead, no mark while rivals are left.
    one_word = SearchResult("обзвон", confident=True, topics=lead.topics)
    assert not best_is_clear(one_word, group_topics(one_word, CATALOG))
    assert not best_is_clear(SearchResult("x"), [])
