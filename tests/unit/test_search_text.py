"""Search text handling: folding, stems, keyboard layout and transliteration (no app)."""

from __future__ import annotations

import pytest

from search.text import MAX_QUERY_LENGTH
from search.text import fold
from search.text import is_qwerty
from search.text import latin_words
from search.text import stem
from search.text import swap_to_en
from search.text import swap_to_ru
from search.text import tokens
from search.text import translit_variants


def test_fold_lowercases_and_merges_yo():
    assert fold("ОТЧЁТ Ёлка") == "отчет елка"


def test_fold_drops_control_and_format_characters_and_caps_length():
    assert fold("от\x00чет\u200b") == "от чет "
    assert len(fold("а" * 5000)) == MAX_QUERY_LENGTH


def test_tokens_strip_punctuation_and_keep_latin_and_digits():
    expected = ["отчет", "не", "выгружается", "битрикс24", "v2"]
    assert tokens("Отчёт, «не» выгружается!!! (битрикс24, v2)") == expected


@pytest.mark.parametrize("forms", [("отчет", "отчеты", "отчёта", "отчету"), ("сценарий", "сценария")])
def test_word_forms_share_a_stem(forms):
    assert len({stem(fold(w)) for w in forms}) == 1


def test_latin_words_and_numbers_are_not_stemmed():
    assert [stem(w) for w in ("whatsapp", "api", "8800")] == ["whatsapp", "api", "8800"]


def test_layout_swap_treats_punctuation_keys_as_letters():
    assert swap_to_ru("yt hf,jnftn j,pdjy") == "не работает обзвон"
    assert swap_to_ru("[]`;',.") == "хъёжэбю"
    assert swap_to_ru("{}~:\"<>") == "ХЪЁЖЭБЮ"
    assert swap_to_en("фьщскь") == "amocrm"


def test_qwerty_detection_needs_a_latin_letter():
    assert is_qwerty("hf,jnftn")
    assert not is_qwerty(",.;")
    assert not is_qwerty("отчет")


@pytest.mark.parametrize(
    ("latin", "russian"),
    [
        ("vatsap", "ватсап"),
        ("scenariya", "сценария"),
        ("prihodyat", "приходят"),
        ("vygruzhaetsya", "выгружается"),
        ("kreditnyj", "кредитный"),
        ("spisaniyam", "списаниям"),
        ("shchetka", "щетка"),
    ],
)
def test_translit_variants_include_the_intended_word(latin, russian):
    assert russian in translit_variants(latin)


def test_translit_keeps_the_apostrophe_as_soft_sign():
    assert latin_words("den'gi ne zachislilis'") == ["den'gi", "ne", "zachislilis'"]
    assert "деньги" in translit_variants("den'gi")
