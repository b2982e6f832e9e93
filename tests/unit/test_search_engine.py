"""Search ranking phenomena on the real catalog and on tiny hand-made ones (no app)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kb.catalog import Catalog
from kb.catalog import Category
from kb.catalog import Topic
from kb.catalog import load_catalog
from search import build_index
from search import query
from search.engine import typo_budget
from search.text import MAX_QUERY_LENGTH

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
TELEPHONY = "Проблемы с телефонией"


@pytest.fixture(scope="module")
def index():
    return build_index(load_catalog(CONTENT), CONTENT / "synonyms.yaml")


def topic_titles(index, text: str, limit: int = 5) -> list[str]:
    return [h.topic.title for h in query(index, text, limit).topics]


def tiny_index(tmp_path: Path, topics: dict[str, tuple[str, ...]], synonyms: str = "groups: []\n"):
    """An index over one category whose topics are title → tags."""
    made = tuple(
        Topic("c", f"t{number}", title, "Описание.", "normal", "general", (), tags)
        for number, (title, tags) in enumerate(topics.items())
    )
    catalog = Catalog(categories=(Category("c", "Категория", "*", "Кратко.", made),), articles={}, fields={})
    path = tmp_path / "synonyms.yaml"
    path.write_text(synonyms, encoding="utf-8")
    return build_index(catalog, path)


@pytest.mark.parametrize("text", ["отчет не формируется", "отчёты не формируются", "ОТЧЁТА НЕ ФОРМИРУЕТСЯ"])
def test_word_forms_case_and_yo_find_the_same_topic(index, text):
    assert "Проблема с выгрузкой отчета" in topic_titles(index, text, 3)


def test_clean_query_is_not_reported_as_corrected(index):
    result = query(index, "не работает обзвон")
    assert result.corrected is None
    assert TELEPHONY in topic_titles(index, "не работает обзвон", 3)


@pytest.mark.parametrize(("length", "budget"), [(1, 0), (3, 0), (4, 1), (7, 1), (8, 2), (15, 2)])
def test_typo_budget_grows_with_word_length(length, budget):
    assert typo_budget(length) == budget


def test_one_typo_is_repaired_from_four_letters(index):
    assert query(index, "лимт").corrected == "лимит"
    assert query(index, "атчет не выгружаеться").corrected == "отчет не выгружается"


def test_no_typo_is_allowed_below_four_letters(index):
    assert query(index, "ахн отчет").corrected is None


def test_two_typos_need_a_long_word(index):
    assert query(index, "интиграцыя").corrected == "интеграция"
    assert query(index, "атчот").corrected is None


def test_typo_in_the_root_with_a_misspelt_ending(index):
    result = query(index, "атчет не фармируеца")
    assert result.corrected == "отчет не формируется"
    assert result.topics[0].topic.title.startswith("Проблема с")


def test_wrong_layout_is_swapped_per_word(index):
    result = query(index, "yt hf,jnftn j,pdjy")
    assert result.corrected == "не работает обзвон"
    assert TELEPHONY in [h.topic.title for h in result.topics[:3]]


def test_known_latin_words_are_not_swapped(index):
    for text in ("whatsapp", "api", "sip транк", "bpl"):
        assert query(index, text).corrected is None, text


def test_cyrillic_typed_for_a_latin_brand_is_swapped(index):
    assert query(index, "фьщскь").corrected == "amocrm"


def test_transliteration_is_read_back(index):
    result = query(index, "ne rabotaet obzvon")
    assert result.corrected == "не работает обзвон"
    assert TELEPHONY in [h.topic.title for h in result.topics[:3]]


def test_exact_mode_keeps_the_words_as_typed(index):
    result = query(index, "yt hf,jnftn j,pdjy", exact=True)
    assert result.corrected is None
    assert result.is_empty


def test_slang_and_abbreviations_come_from_the_synonyms(index):
    assert topic_titles(index, "вотсап бизнес", 1) == ["Регистрация WhatsApp Business"]
    assert query(index, "где номер личного кабинета").articles[0].article.slug == "nomer-lk"


def test_a_verb_finds_the_topic_named_by_its_noun(tmp_path):
    # Snowball stems отключить → отключ but отключение → отключен: the root still matches.
    index = tiny_index(tmp_path, {"Отключение номера": (), "Покупка номера": ()})
    assert topic_titles(index, "отключить номер ")[0] == "Отключение номера"
    assert topic_titles(index, "отключили номер ")[0] == "Отключение номера"


def test_brand_words_in_cyrillic_and_a_typo(index):
    assert query(index, "отключить ватсап бизнесс").corrected == "отключить ватсап бизнес"
    assert topic_titles(index, "отключить ватсап бизнесс", 1) == ["Отключение WhatsApp Business"]


def test_a_synonym_counts_once(tmp_path):
    index = tiny_index(
        tmp_path,
        {
            "Не приходят SMS": ("смс не приходят", "sms не доходят", "смска"),
            "Стоимость сообщений": ("цена смс",),
        },
        "groups:\n  - [sms, смс, смска]\n",
    )
    assert topic_titles(index, "цена смс")[0] == "Стоимость сообщений"


def test_prefix_matches_the_last_word_only(index):
    assert TELEPHONY in topic_titles(index, "обзв")
    assert TELEPHONY not in topic_titles(index, "обзв счет")
    assert query(index, "обзв").corrected is None


def test_a_finished_word_gets_no_prefix_match(tmp_path):
    index = tiny_index(tmp_path, {"Виджет на сайте": ("виджет",), "Оператор": ("оператор",)})
    assert topic_titles(index, "вид") == ["Виджет на сайте"]
    assert topic_titles(index, "вид ") == []


def test_common_words_do_not_outweigh_the_subject(index):
    result = query(index, "как не как не обзвон")
    subject = (TELEPHONY, "Проблема с телефонией", "Помощь в настройке телефонии")
    assert result.topics[0].topic.title in subject


def test_tags_carry_customer_wording_with_a_high_weight(tmp_path):
    topics = {"Проблемы с телефонией": ("бот молчит",), "Настройка голоса": ("голос бота молчит и тормозит",)}
    index = tiny_index(tmp_path, topics)
    titles = topic_titles(index, "бот молчит")
    assert titles[0] == "Проблемы с телефонией"


def test_confident_only_when_the_best_clearly_wins(index):
    assert query(index, "изменение кредитного лимита").confident
    assert not query(index, "копирование сценария").confident
    assert not query(index, "").confident


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "😀😀😀", "'; DROP TABLE search_log; --", "\x00\x01\x02\x1b[31m", "ъ" * 1000, "а " * 600,
        "%s%n{0}", "<script>alert(1)</script>", "\u202e\u200bотчет", "x" * 500, "...,,,;;;", "1" * 300, "ё",
    ],
)
def test_odd_input_never_raises(index, text):
    result = query(index, text, limit=20)
    assert len(result.query) <= MAX_QUERY_LENGTH
    assert all(len(hits) <= 20 for hits in (result.topics, result.articles, result.categories))


def test_random_input_never_raises(index):
    rnd = random.Random(5)
    alphabet = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяqwertyuiop[]asdfghjkl;'zxcvbnm,./ 0123456789-!?😀\t\n"
    for _ in range(300):
        query(index, "".join(rnd.choices(alphabet, k=rnd.randint(0, 60))))


def test_empty_query_is_empty(index):
    assert query(index, "").is_empty
    assert query(index, "").corrected is None


def test_results_are_best_first_and_limited(index):
    result = query(index, "отчет", limit=2)
    assert len(result.topics) <= 2
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)
