"""Learning from use: the guards (distinct companies, decay, removal), the prior for a query, the cache."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from kb.catalog import Catalog
from kb.catalog import Category
from kb.catalog import Topic
from search.learning import Filing
from search.learning import LearningPolicy
from search.learning import LearntPairs
from search.learning import PriorCache
from search.learning import decay
from search.learning import learn
from search.learning import pair_stats
from search.learning import tokens

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
POLICY = LearningPolicy(min_companies=3, half_life_days=90)
LIMIT = "finansovye-voprosy/izmenenie-kreditnogo-limita"
CHATS = "chaty-i-rassylki/problema-s-chatami"


def filed(phrase: str, topic: str, companies, days_ago: float = 0) -> list[Filing]:
    return [Filing(phrase, topic, c, NOW - timedelta(days=days_ago)) for c in companies]


def test_a_pair_counts_only_from_the_minimum_of_distinct_companies():
    two = learn(filed("поработать в минус", LIMIT, [1, 2]), set(), NOW, POLICY)
    assert two.prior("поработать в минус") == {}
    # One company filing it ten times is still one company.
    one_loud = learn(filed("поработать в минус", LIMIT, [1] * 10 + [2]), set(), NOW, POLICY)
    assert one_loud.prior("поработать в минус") == {}
    three = learn(filed("поработать в минус", LIMIT, [1, 2, 3]), set(), NOW, POLICY)
    assert three.prior("поработать в минус") == {LIMIT: 0.5}


def test_the_minimum_is_configurable():
    pairs = learn(filed("поработать в минус", LIMIT, [1, 2]), set(), NOW, LearningPolicy(min_companies=2))
    assert pairs.prior("поработать в минус") == {LIMIT: 0.5}


def test_more_companies_weigh_more_but_never_over_one():
    weights = [learn(filed("в минус", LIMIT, range(n)), set(), NOW, POLICY).prior("в минус")[LIMIT]
               for n in (3, 6, 30, 3000)]
    assert weights == sorted(weights) and weights[0] < weights[1] and all(0 < w < 1 for w in weights)


def test_filings_fade_with_the_half_life():
    assert decay(timedelta(days=90), 90) == pytest.approx(0.5)
    assert decay(timedelta(days=180), 90) == pytest.approx(0.25)
    fresh = pair_stats(filed("в минус", LIMIT, [1, 2, 3]), set(), NOW, POLICY)[0]
    old = pair_stats(filed("в минус", LIMIT, [1, 2, 3], days_ago=90), set(), NOW, POLICY)[0]
    assert old.strength == pytest.approx(fresh.strength / 2)
    assert 0 < old.weight < fresh.weight


def test_filings_beyond_the_horizon_no_longer_count_towards_the_guard():
    rows = filed("в минус", LIMIT, [1, 2], days_ago=1) + filed("в минус", LIMIT, [3], days_ago=400)
    stat = pair_stats(rows, set(), NOW, POLICY)[0]
    assert stat.companies == 3 and not stat.counts
    assert learn(rows, set(), NOW, POLICY).prior("в минус") == {}


def test_the_latest_filing_of_each_company_is_what_fades():
    rows = filed("в минус", LIMIT, [1, 2, 3], days_ago=300) + filed("в минус", LIMIT, [1, 2, 3], days_ago=0)
    stat = pair_stats(rows, set(), NOW, POLICY)[0]
    assert stat.filings == 6 and stat.strength == pytest.approx(3.0)


def test_a_removed_pair_never_counts_again():
    rows = filed("в минус", LIMIT, range(50)) + filed("в минус", CHATS, [1, 2, 3])
    pairs = learn(rows, {("в минус", LIMIT)}, NOW, POLICY)
    assert set(pairs.prior("в минус")) == {CHATS}
    stats = {s.topic_key: s for s in pair_stats(rows, {("в минус", LIMIT)}, NOW, POLICY)}
    assert stats[LIMIT].removed and not stats[LIMIT].counts and stats[LIMIT].weight == 0


def test_word_forms_and_word_order_match_without_a_lemmatizer():
    pairs = learn(filed("увеличить кредитный лимит", LIMIT, [1, 2, 3]), set(), NOW, POLICY)
    assert pairs.prior("Кредитного лимита увеличение")[LIMIT] == pytest.approx(0.5)
    # Half the words in common: a weaker hint; nothing in common: none.
    assert 0 < pairs.prior("кредитный лимит для филиала")[LIMIT] < 0.5
    assert pairs.prior("не работает обзвон") == {}


def test_the_word_still_being_typed_matches_the_learnt_word_it_begins():
    pairs = learn(filed("кредитный лимит", LIMIT, [1, 2, 3]), set(), NOW, POLICY)
    assert pairs.prior("кредитный лим") == {LIMIT: 0.5}


def test_short_and_placeholder_words_are_left_out_of_matching():
    assert tokens("Позвоните <phone> по ЛК 12") == frozenset({"позво"})


def test_empty_learning_gives_an_empty_prior():
    assert LearntPairs().prior("что угодно") == {}
    assert learn([], set(), NOW, POLICY).prior("") == {}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_loads_at_most_once_per_interval_and_keeps_old_pairs_when_a_load_fails():
    loads = []
    results = [learn(filed("в минус", LIMIT, [1, 2, 3]), set(), NOW, POLICY), None]

    def load():
        loads.append(1)
        return results[len(loads) - 1] if len(loads) <= len(results) else LearntPairs()

    clock = Clock()
    cache = PriorCache(load, every=60, clock=clock)
    for _ in range(100):
        assert cache.pairs().prior("в минус") == {LIMIT: 0.5}
    assert len(loads) == 1
    clock.now = 61
    assert cache.pairs().prior("в минус") == {LIMIT: 0.5}  # the load failed: the old pairs stay
    assert len(loads) == 2
    cache.invalidate()
    assert cache.pairs().prior("в минус") == {}
    assert len(loads) == 3


def _catalog() -> Catalog:
    limit = Topic("finansovye-voprosy", "izmenenie-kreditnogo-limita", "Изменение кредитного лимита", "", "normal",
                  "x", ())
    chats = Topic("chaty-i-rassylki", "problema-s-chatami", "Проблема с чатами", "", "normal", "x", ())
    return Catalog((Category("finansovye-voprosy", "Финансы", "", "", (limit,)),
                    Category("chaty-i-rassylki", "Чаты", "", "", (chats,))), {}, {})

