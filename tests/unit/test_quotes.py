"""Quoted history and signatures cut from e-mail replies, as Russian and English mail clients write them."""

from __future__ import annotations

import pytest

from tickets.quotes import html_to_text
from tickets.quotes import strip_reply

ANSWER = "Последнее сообщение пришло в 10:42.\nСкриншот приложил."

CLIENTS = {
    "thunderbird_ru": (
        "{a}\n\n25.11.2026 12:00, Техподдержка Twin пишет:\n> Пришлите время последнего сообщения.\n>\n> --\n> Служба"
    ),
    "gmail_ru": (
        "{a}\n\nср, 25 нояб. 2026 г. в 12:00, Техподдержка Twin <support+r12.abc@twin.test>:\n\n> Пришлите время\n"
    ),
    "gmail_ru_wrote": (
        "{a}\n\nср, 25 нояб. 2026 г. в 12:00, Техподдержка Twin <support@twin.test> написал:\n\n> Пришлите время\n"
    ),
    "gmail_en_wrapped": (
        "{a}\n\nOn Wed, 25 Nov 2026 at 12:00, Техподдержка Twin <\nsupport@twin.test> wrote:\n\n> Пришлите время\n"
    ),
    "yandex": "{a}\n\n25.11.2026, 12:00, \"Техподдержка Twin\" <support@twin.test>:\n> Пришлите время\n",
    "mailru": "{a}\n\n\nСреда, 25 ноября 2026, 12:00 +03:00 от Техподдержка Twin <support@twin.test>:\n\n> Пришлите время",
    "iphone_ru": (
        "{a}\n\nОтправлено с iPhone\n\n> 25 нояб. 2026 г., в 12:00, Техподдержка Twin <support@twin.test> "
        "написал(а):\n>\n> Пришлите время\n"
    ),
    "outlook_ru": (
        "{a}\n\nС уважением,\nИрина\n\n-----Исходное сообщение-----\nОт: Техподдержка Twin <support@twin.test>\n"
        "Отправлено: 25 ноября 2026 г. 12:00\nКому: Ирина\nТема: [#12] Не приходят СМС\n\nПришлите время\n"
    ),
    "outlook_en": (
        "{a}\n\n-----Original Message-----\nFrom: Support <support@twin.test>\nSent: Wednesday, November 25, 2026\n"
        "To: Irina\nSubject: RE: [#12] SMS\n\nPlease send the time\n"
    ),
    "outlook_web": (
        "{a}\n\n________________________________\nFrom: Support <support@twin.test>\nSent: 25 November 2026 12:00\n"
        "Subject: [#12] SMS\n\nPlease send the time\n"
    ),
    "outlook_header_only_ru": (
        "{a}\n\nОт: Техподдержка Twin <support@twin.test>\nДата: 25.11.2026 12:00\nТема: [#12]\n\nПришлите время\n"
    ),
    "signature": "{a}\n\n-- \nИрина Петрова\nООО Ромашка, +7 900 000-00-00\n",
    "bare_quote": "{a}\n\n> Пришлите время\n> последнего сообщения\n",
    "android": "{a}\n\nОтправлено из мобильной Почты Mail.ru\n",
    "yandex_mobile": "{a}\n\n-- \nОтправлено из мобильного приложения Яндекс Почты\n\n25.11.2026, 12:00, support@twin.test:\n> x",
}


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_the_quote_and_signature_are_cut(client):
    text = CLIENTS[client].format(a=ANSWER)
    stripped = strip_reply(text)
    assert stripped.startswith(ANSWER)
    assert "Пришлите" not in stripped and "Please" not in stripped and "support@" not in stripped
    assert "Отправлено" not in stripped and "Петрова" not in stripped


def test_crlf_and_a_greeting_line_stay():
    assert strip_reply("Добрый день!\r\n\r\nВсё заработало.\r\n\r\n> старое") == "Добрый день!\n\nВсё заработало."


def test_answers_between_quoted_lines_stay():
    text = "> Какой номер?\n+7 900 000-00-00\n> А время?\n10:42"
    assert strip_reply(text) == text


def test_a_reply_that_is_all_quote_is_kept_whole():
    assert strip_reply("> только цитата") == "> только цитата"


def test_ordinary_text_with_colons_and_dashes_is_not_cut():
    text = "Проблема: бот молчит.\nОт: 25.11 — до: 26.11 не было ответов.\n-- так и есть --\nСпасибо"
    assert strip_reply(text) == text


def test_html_becomes_text_without_markup_or_scripts():
    html = ("<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
            "<p>Добрый&nbsp;день!</p><div>Строка&nbsp;1<br>Строка 2 &lt;b&gt;</div>"
            "<img src=x onerror=alert(1)><a href='javascript:x'>ссылка</a></body></html>")
    text = html_to_text(html)
    assert text == "Добрый день!\n\nСтрока 1\nСтрока 2 <b>\nссылка"


@pytest.mark.parametrize("quote", [
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Wed wrote:<br></div>'
    "<blockquote>Пришлите время</blockquote></div>",
    "<blockquote type=cite>Пришлите время</blockquote>",
    '<div class="yandex_quote"><div>25.11.2026, 12:00</div><div>Пришлите время</div></div>',
])
def test_html_quotes_are_cut(quote):
    text = strip_reply(html_to_text(f"<div>Отправил в 10:42</div>{quote}"))
    assert text == "Отправил в 10:42"
