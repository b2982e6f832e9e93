"""Meaning components: lemmas, word splitting, the topic classifier, intent cues, fusion and their content."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.catalog import ContentError
from kb.catalog import load_catalog
from search import build_index
from search import query
from search.meaning import compile_intents
from search.meaning import lemmas
from search.meaning import train
from search.morph import lemma
from search.morph import segment

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
KNOWN = frozenset({"кредитный", "лимит", "увеличить", "отчет", "формируется", "аоны"})


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(CONTENT)


@pytest.fixture(scope="module")
def index(catalog):
    return build_index(catalog, CONTENT / "synonyms.yaml")


def keys(result) -> list[str]:
    return [h.topic.key for h in result.topics]


@pytest.mark.parametrize(("word", "base"), [("сняли", "снять"), ("лимиты", "лимит"), ("добавьте", "добавить"),
                                            ("отчётов", "отчет"), ("api", "api")])
def test_lemma_is_the_dictionary_form(word, base):
    assert lemma(word) == base


@pytest.mark.parametrize(("word", "pieces"), [
    ("кредитныйлимитувеличить", ["кредитный", "лимит", "увеличить"]),
    ("отчетнеформируется", ["отчет", "не", "формируется"]),
])
def test_run_together_words_are_split(word, pieces):
    assert segment(word, KNOWN.__contains__) == pieces


@pytest.mark.parametrize("word", ["интеграция", "кредит", "ыыыыыыыыыыы"])
def test_a_word_that_cannot_be_split_stays_whole(word):
    assert segment(word, KNOWN.__contains__) is None


def test_search_splits_and_shows_the_words(index):
    result = query(index, "кредитныйлимитувеличить")
    assert result.corrected == "кредитный лимит увеличить"
    assert keys(result)[0] == "finansovye-voprosy/izmenenie-kreditnogo-limita"


def test_a_dictionary_word_is_not_taken_for_a_typo(index):
    assert "бренда" not in (query(index, "арендовать номер").corrected or "")


def test_classifier_learns_from_the_examples(catalog):
    scores = train(catalog).scores(lemmas("маркетологи подготовили текст и ждут одобрения для вотсапа"))
    assert max(scores, key=scores.get) == "chaty-i-rassylki/soglasovanie-shablona-wa"


def test_intent_cues_match_any_word_form_and_a_gap(catalog):
    intents = compile_intents(catalog)
    assert "lichnyj-kabinet/novaya-funkciya" in intents.topics(lemmas("было бы удобно, если бы отчеты"))
    assert "twin/incident" in intents.topics(lemmas("ни в одном кабинете не работает"))
    assert intents.topics(lemmas("как скопировать сценарий")) == {}


@pytest.mark.parametrize(("text", "key"), [
    ("было бы удобно, если бы в панели оператора был поиск по диалогам", "panel-operatora/novaya-funkciya"),
    ("сняли больше обычного", "finansovye-voprosy/konsultaciya-po-nachisleniyam"),
    ("разорвите подключение к нашей атс, больше не используем", "telefoniya-i-zvonki/otklyuchenie-tranka"),
    ("подключите нашу атс", "telefoniya-i-zvonki/podklyuchenie-tranka"),
])
def test_intent_carried_by_the_verb_or_mood_wins(index, text, key):
    assert keys(query(index, text))[0] == key


def test_each_component_can_be_switched_off(catalog):
    plain = build_index(catalog, CONTENT / "synonyms.yaml", frozenset())
    assert plain.classifier is None and plain.intents is None
    assert keys(query(plain, "сняли больше обычного"))[:1] != ["finansovye-voprosy/konsultaciya-po-nachisleniyam"]


def test_prior_moves_a_topic_up_and_none_changes_nothing(index):
    text = "не приходят сообщения"
    base = query(index, text, 10)
    assert query(index, text, 10, prior=None) == base
    assert query(index, text, 10, prior={}) == base
    last = base.topics[-1].topic.key
    boosted = query(index, text, 10, prior={last: 1.0})
    assert keys(boosted).index(last) < keys(base).index(last)


def test_prior_is_clamped_to_zero_and_one(index):
    text = "не приходят сообщения"
    key = query(index, text, 10).topics[-1].topic.key
    assert query(index, text, 10, prior={key: 50.0}) == query(index, text, 10, prior={key: 1.0})
    assert query(index, text, 10, prior={key: -3.0}) == query(index, text, 10)


def test_nonsense_still_finds_no_topic(index):
    assert query(index, "рецепт борща").topics == []


def copy_content(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("examples.yaml", "examples:\n  - topics: [net-takoj-temy]\n    phrases: [фраза]\n", "неизвестная тема 'net-takoj-temy'"),
    ("examples.yaml", "examples:\n  - topics: [incident]\n    phrases: []\n", "'phrases' должно быть"),
    ("examples.yaml", "primery: []\n", "нужен список 'examples'"),
    ("intents.yaml", "intents:\n  - name: X\n    topics: [incident]\n    cues: [у всех]\n    weight: 2\n", "'weight'"),
    ("intents.yaml", "intents:\n  - name: X\n    topics: [lichnyj-kabinet/nichego]\n    cues: [а]\n", "неизвестная тема"),
])
def test_broken_meaning_content_is_reported(tmp_path, name, text, problem):
    content = copy_content(tmp_path)
    (content / name).write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_catalog(content)
    assert any(name in p and problem in p for p in caught.value.problems), caught.value.problems


def test_meaning_files_are_optional(tmp_path):
    content = copy_content(tmp_path)
    (content / "examples.yaml").unlink()
    (content / "intents.yaml").unlink()
    catalog = load_catalog(content)
    assert catalog.examples == {} and catalog.intents == ()


def test_a_slug_reaches_the_topic_in_every_category(catalog):
    incidents = [key for key in catalog.examples if key.endswith("/incident")]
    assert len(incidents) == sum(1 for t in catalog.topics() if t.slug == "incident")
