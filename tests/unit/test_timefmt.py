"""Local times and the auto-close countdown shown to customers."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from tickets.timefmt import countdown_text
from tickets.timefmt import hours_left
from tickets.timefmt import local_time

NOW = datetime(2026, 11, 25, 11, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("Europe/Moscow", "25.11.2026 14:05"),
        ("Asia/Yekaterinburg", "25.11.2026 16:05"),
        ("Asia/Vladivostok", "25.11.2026 21:05"),
        ("UTC", "25.11.2026 11:05"),
    ],
)
def test_local_time_in_the_account_zone(tz, expected):
    assert local_time(NOW, tz) == expected


def test_local_time_crosses_midnight_and_defaults_to_moscow():
    late = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
    assert local_time(late, "") == "01.01.2027 01:30"


@pytest.mark.parametrize(
    ("left", "hours"),
    [
        (timedelta(hours=31), 31),
        (timedelta(hours=30, seconds=1), 31),
        (timedelta(hours=1), 1),
        (timedelta(minutes=59), 1),
        (timedelta(0), 0),
        (timedelta(hours=-3), 0),
    ],
)
def test_hours_are_rounded_up(left, hours):
    assert hours_left(NOW + left, NOW) == hours


def test_countdown_in_hours():
    assert countdown_text(NOW + timedelta(hours=30, minutes=10), NOW) == (
        "Закроется автоматически через 31 ч, если не ответить"
    )


def test_countdown_under_an_hour():
    text = countdown_text(NOW + timedelta(minutes=59, seconds=59), NOW)
    assert "меньше часа" in text and "ч," not in text


def test_countdown_after_the_deadline():
    assert "истек" in countdown_text(NOW - timedelta(minutes=1), NOW)


@pytest.mark.parametrize(("n", "word"), [(1, "обращение"), (2, "обращения"), (4, "обращения"), (5, "обращений"),
                                         (11, "обращений"), (12, "обращений"), (21, "обращение"), (22, "обращения"),
                                         (111, "обращений"), (0, "обращений")])
def test_plural_follows_russian_rules(n, word):
    from views.template_helpers import plural

    assert plural(n, "обращение", "обращения", "обращений") == word
