"""The new text of an e-mail reply: quoted history and signatures cut off, HTML turned into plain text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# A line that introduces the quoted original, as Russian and English mail clients write it.
_ATTRIBUTION = re.compile(
    r"("
    r"\b(пишет|написал|написала|написал\(а\)|wrote)\s*:\s*$"  # Thunderbird, Gmail, Apple Mail, iPhone
    r"|^\s*-{2,}\s*(Original Message|Исходное сообщение|Пересылаемое сообщение|Forwarded message)\s*-{2,}"
    r"|^\s*-{3,}\s*(Сообщение|Message)\s*-{3,}"
    r"|^\s*_{20,}\s*$"  # Outlook on the web draws a rule above the header block
    r"|^.*<[^<>@\s]+@[^<>@\s]+>\s*:\s*$"  # Yandex, Mail.ru: "25.11.2026, 12:00, "Техподдержка" <support@…>:"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
_WRAPPED_START = re.compile(r"^\s*(?:(?:On|В|Вс|Пн|Вт|Ср|Чт|Пт|Сб)[\s,]|\d{1,2}[./ ]).*\d.*[^.!?:]\s*$", re.IGNORECASE)
# Outlook's header block of the quoted original: "От:" / "From:" followed by "Отправлено:" / "Sent:" or "Дата:".
_HEADER_FROM = re.compile(r"^\s*\*?(От|From)\s*:\*?\s", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*\*?(Отправлено|Sent|Дата|Date|Кому|To|Тема|Subject)\s*:", re.IGNORECASE)
# Signatures: the standard "-- " delimiter and the lines phones and webmail add on their own.
_SIG_DELIMITER = re.compile(r"^--\s?$")
_DEVICE_SIGNATURE = re.compile(
    r"^\s*(Отправлено|Sent|Get|Получено|Отправлено из|Отправлено с)\b.{0,60}"
    r"(iPhone|iPad|Android|Samsung|Galaxy|Huawei|Xiaomi|Outlook|Почт|Mail\.ru|Яндекс|Yandex|BlackBerry|mobile|моего)",
    re.IGNORECASE,
)


def strip_reply(text: str) -> str:
    """Only what the sender wrote this time: no quoted original, no signature, no trailing blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    cut = _quote_start(lines)
    kept = lines[:cut]
    kept = _drop_signature(kept)
    # Inline "> " lines left in the middle stay: the sender may answer between quoted lines.
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    result = "\n".join(kept).strip("\n")
    return result if result.strip() else text.strip()


def _quote_start(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if _ATTRIBUTION.search(line):
            # Gmail wraps a long attribution: "On Mon, 25 Nov 2026 at 12:00 Support <" / "support@…> wrote:".
            return i - 1 if i and _WRAPPED_START.match(lines[i - 1]) else i
        if _HEADER_FROM.match(line) and any(_HEADER_NEXT.match(n) for n in lines[i + 1:i + 4]):
            return i
    # No attribution line: the trailing block of "> " lines is the quote.
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and (lines[start - 1].lstrip().startswith(">") or not lines[start - 1].strip()):
        start -= 1
    return start if start < end else len(lines)


def _drop_signature(lines: list[str]) -> list[str]:
    for i in range(len(lines) - 1, -1, -1):
        if _SIG_DELIMITER.match(lines[i]) and len(lines) - i <= 12:
            lines = lines[:i]
            break
    while lines and (not lines[-1].strip() or _DEVICE_SIGNATURE.match(lines[-1])):
        lines = lines[:-1]
    return lines


_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "hr",
           "section", "article", "header", "footer"}
_SKIPPED = {"script", "style", "head", "title", "template", "noscript"}
# Webmail wraps the quoted original in these (Gmail, Yandex, Mail.ru, Outlook on the web).
_QUOTE_CLASSES = re.compile(r"gmail_quote|yandex_quote|moz-cite-prefix|divRplyFwdMsg|mail-quote|js-helper", re.I)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.quote = 0
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr", "img", "meta", "link", "input"):
            if tag in ("br", "hr"):
                self.parts.append("\n")
            return
        self.stack.append(tag)
        marks = " ".join(v or "" for k, v in attrs if k in ("class", "id"))
        if tag in _SKIPPED:
            self.skip += 1
        if tag == "blockquote" or (tag == "div" and _QUOTE_CLASSES.search(marks)):
            self.quote += 1
            self.stack[-1] = f"{tag}:quote"
        if tag in _BLOCKS or tag == "blockquote":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.stack and f"{tag}:quote" not in self.stack:
            return
        while self.stack:
            top = self.stack.pop()
            name, _, mark = top.partition(":")
            if name in _SKIPPED:
                self.skip -= 1
            if mark:
                self.quote -= 1
            if name in _BLOCKS or name == "blockquote":
                self.parts.append("\n")
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        data = re.sub(r"[ \t\r\n\f\v]+", " ", data)
        if self.quote:
            # Quoted original, kept as "> " lines so strip_reply removes it like a plain-text quote.
            data = data.replace("\n", "\n> ")
            if not self.parts or self.parts[-1].endswith("\n"):
                data = "> " + data.lstrip()
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML mail: tags dropped, blocks on their own lines, quotes as "> " lines."""
    parser = _TextParser()
    parser.feed(html or "")
    parser.close()
    lines = [line.strip().replace("\xa0", " ") for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
