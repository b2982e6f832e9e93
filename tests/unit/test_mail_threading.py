"""Signed Reply-To addresses and Message-IDs: they name the request, and nobody can make one up."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from tickets.mail_threading import MessageRef
from tickets.mail_threading import Threading
from tickets.mail_threading import subject_tag
from tickets.mail_threading import thread_subject

T = Threading.from_config({"SECRET_KEY": "k1", "MAIL_FROM": "Техподдержка <noreply@twin.test>",
                           "MAIL_REPLY_ADDRESS": "support@twin.test"})
AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_reply_address_names_the_request_and_survives_case_folding():
    address = T.reply_to(123)
    assert address.startswith("support+r123.") and address.endswith("@twin.test")
    assert T.ticket_from_addresses([f"Поддержка <{address}>"]) == 123
    assert T.ticket_from_addresses([address.upper()]) == 123
    assert T.ticket_from_addresses(["a@b.test", f"x@y.test, {address}"]) == 123


def test_a_forged_or_foreign_reply_address_names_nothing():
    sig = T.reply_to(123).split(".")[1].split("@")[0]
    assert T.ticket_from_addresses([f"support+r124.{sig}@twin.test"]) is None
    other = Threading.from_config({"SECRET_KEY": "k2", "MAIL_FROM": "support@twin.test"})
    assert T.ticket_from_addresses([other.reply_to(123)]) is None
    assert T.ticket_from_addresses(["support+r123.0000000000@twin.test", "support@twin.test"]) is None


def test_message_ids_are_stable_and_parse_back():
    first = T.first_message_id(7, AT)
    assert first == T.first_message_id(7, AT) and first.endswith("@twin.test>")
    assert T.parse_message_id(first) == MessageRef(7, None)
    later = T.message_id(42, AT, 7)
    assert T.parse_message_id(later) == MessageRef(7, 42)
    assert T.parse_message_id(T.message_id(43, AT)) == MessageRef(None, 43)
    assert T.message_id(42, AT.replace(year=2027), 7) != later  # a reset database does not repeat ids


def test_tampered_and_foreign_message_ids_are_not_ours():
    later = T.message_id(42, AT, 7)
    assert T.parse_message_id(later.replace("r7.", "r8.")) is None
    assert T.parse_message_id("<CAF=abc@mail.gmail.com>") is None
    assert T.references([f"<x@y> {later}\n <z@w>", ""]) == [MessageRef(7, 42)]


def test_subject_tag():
    assert thread_subject(5, "Не приходят СМС") == "[#5] Не приходят СМС"
    assert subject_tag("RE: Re: [#5] Не приходят СМС") == 5
    assert subject_tag("Обращение #5") is None
