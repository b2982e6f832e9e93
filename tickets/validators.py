"""Format checks for request form values; each returns a Russian message or None."""

from __future__ import annotations

import re

from kb.catalog import FieldDef

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
# ASCII digits only: \d would also take «٣» or «²», which no ID or phone number of ours contains.
DIGITS_RE = re.compile(r"^[0-9]+$")
PHONE_RE = re.compile(r"^(?:\+7|8)[0-9]{10}$")
SENDER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .\-]{0,10}$")

SUMMARY_MIN, SUMMARY_MAX = 5, 150
AUTHOR_NAME_MAX = 200
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 10_000


def normalize_value(field: FieldDef, value: str) -> str:
    """Trim the value and drop the spaces people paste around IDs and numbers."""
    value = (value or "").strip()
    if field.format == "digits":
        value = re.sub(r"\s+", "", value)
    if field.format == "phone_list":
        parts = [re.sub(r"[\s()\-]", "", p) for p in re.split(r"[,;\n]+", value)]
        value = ", ".join(p for p in parts if p)
    return value


def check_value(field: FieldDef, value: str) -> str | None:
    """Check a normalised, non-empty value against its field's format."""
    if field.max_length and len(value) > field.max_length:
        return f"Не длиннее {field.max_length} символов (сейчас {len(value)})"
    if field.format == "digits" and not DIGITS_RE.match(value):
        return f"{field.label} состоит только из цифр, например 104527"
    if field.format == "id" and not (UUID_RE.match(value) or DIGITS_RE.match(value)):
        return (
            f"{field.label} — это число или код вида 3f2b9c1e-8a4d-4f6b-9c2e-1a2b3c4d5e6f. "
            "Скопируйте его кнопкой копирования, как описано в «Где найти?»"
        )
    if field.format == "phone_list":
        bad = [p for p in value.split(", ") if not PHONE_RE.match(p)]
        if bad:
            return f"Номер {bad[0]} не похож на российский: нужен формат +7XXXXXXXXXX"
    if field.format == "sender_name" and not SENDER_RE.match(value):
        return "Имя отправителя — до 11 латинских букв, цифр, точек, дефисов или пробелов"
    if field.format == "choice" and value not in field.choices:
        return "Выберите вариант из списка"
    return None


def check_summary(value: str) -> str | None:
    value = value.strip()
    if len(value) < SUMMARY_MIN:
        return f"Опишите суть проблемы хотя бы в {SUMMARY_MIN} символах"
    if len(value) > SUMMARY_MAX:
        return f"Краткий смысл — не длиннее {SUMMARY_MAX} символов (сейчас {len(value)}); подробности — в описании"
    return None


def check_description(value: str) -> str | None:
    value = value.strip()
    if len(value) < DESCRIPTION_MIN:
        return "Опишите подробнее, что вы делали и что произошло: так специалист быстрее воспроизведет проблему"
    if len(value) > DESCRIPTION_MAX:
        return f"Описание — не длиннее {DESCRIPTION_MAX} символов; длинные логи приложите файлом"
    return None


# Control characters have no place in what people type: PostgreSQL refuses NUL outright, and CR/LF in a
# single-line value would read as header lines in the mail built from it. Tabs and newlines stay in text.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_BREAKS_RE = re.compile(r"[\t\r\n\u2028\u2029\x85]+")


def strip_controls(value: str) -> str:
    """Drop NUL and other control characters (and lone surrogates); keep tabs and line breaks."""
    return _CONTROL_RE.sub("", value)


def single_line(value: str) -> str:
    """A one-line value: control characters dropped, line breaks and tabs turned into single spaces."""
    return _LINE_BREAKS_RE.sub(" ", strip_controls(value))
