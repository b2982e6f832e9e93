"""Format checks of request fields."""

from __future__ import annotations

import pytest

from kb.catalog import FieldDef
from tickets.validators import check_description
from tickets.validators import check_summary
from tickets.validators import check_value
from tickets.validators import normalize_value

LK = FieldDef("lk_number", "Номер ЛК", "digits", max_length=12)
CHAT = FieldDef("chat_id", "Идентификатор чата", "id")
PHONES = FieldDef("phone_numbers", "Номера", "phone_list")
SENDER = FieldDef("sender_name", "Имя отправителя", "sender_name")
CHANNEL = FieldDef("channel", "Канал", "choice", choices=("WhatsApp", "Telegram"))


@pytest.mark.parametrize(("field", "raw", "ok"), [
    (LK, "104527", True),
    (LK, " 104 527 ", True),
    (LK, "10452a", False),
    (LK, "1234567890123", False),
    (CHAT, "3f2b9c1e-8a4d-4f6b-9c2e-1a2b3c4d5e6f", True),
    (CHAT, "3F2B9C1E-8A4D-4F6B-9C2E-1A2B3C4D5E6F", True),
    (CHAT, "88123", True),
    (CHAT, "чат про доставку", False),
    (CHAT, "3f2b9c1e-8a4d-4f6b-9c2e", False),
    (PHONES, "+79161234567, 8 (495) 123-45-67", True),
    (PHONES, "+79161234567; 12345", False),
    (SENDER, "TWIN.SHOP", True),
    (SENDER, "ТВИН", False),
    (SENDER, "ABCDEFGHIJKL", False),
    (CHANNEL, "Telegram", True),
    (CHANNEL, "Почтовый голубь", False),
])
def test_field_formats(field, raw, ok):
    value = normalize_value(field, raw)
    assert (check_value(field, value) is None) is ok


def test_messages_are_russian_and_name_the_field():
    message = check_value(CHAT, "abc")
    assert "Идентификатор чата" in message and "Где найти" in message


def test_phone_list_is_normalised():
    assert normalize_value(PHONES, "+7 916 123-45-67;\n8(495)1234567") == "+79161234567, 84951234567"


@pytest.mark.parametrize(("text", "ok"), [("abc", False), ("Не работает обзвон", True), ("x" * 151, False)])
def test_summary_length(text, ok):
    assert (check_summary(text) is None) is ok


def test_description_length():
    assert check_description("коротко") is not None
    assert check_description("Запустили обзвон в 10:00, звонки не уходят") is None


def test_only_ascii_digits_make_an_id_or_a_phone_number():
    from tickets.validators import DIGITS_RE
    from tickets.validators import PHONE_RE

    assert DIGITS_RE.match("104527")
    assert not DIGITS_RE.match("١٠٤٥٢٧") and not DIGITS_RE.match("²")
    assert not PHONE_RE.match("+7٩١٦٠٠٠٠٠٠٠")


def test_a_report_period_that_int_cannot_read_falls_back():
    from search.report import DEFAULT_PERIOD
    from search.report import period

    assert period("²") == period("9" * 5000) == period("abc") == period(None) == DEFAULT_PERIOD
    assert period(" 7 ") == 7
