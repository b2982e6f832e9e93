"""The console's search report: what customers search, what they file it under, and what the form deflected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from search import log
from search import usage
from search.deflection import DeflectionFigures
from search.deflection import deflection_figures
from search.learning import LearningPolicy
from search.learning import PairStat
from search.learning import pair_stats

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
TABLES = ("queries", "zero", "pairs", "corrections", "deflection")
TITLES = {
    "queries": "Частые запросы",
    "zero": "Запросы без результатов",
    "pairs": "Запрос → тема, по которой создали обращение",
    "corrections": "Исправленные запросы (раскладка, опечатки, транслит)",
    "deflection": "Статьи, открытые из формы обращения",
}
HEADERS = {
    "queries": ("Запрос", "Сколько раз", "Из них без результатов"),
    "zero": ("Запрос", "Сколько раз"),
    "pairs": ("Запрос", "Тема", "Ключ темы", "Компаний", "Обращений", "Последний раз", "Учитывается", "Вес"),
    "corrections": ("Набрано", "Понято как", "Сколько раз"),
    "deflection": ("Статья", "Адрес статьи", "Форм, где открыли", "Из них обращение не создано"),
}


@dataclass(frozen=True)
class Table:
    name: str
    rows: list[tuple]
    pairs: list[PairStat] = field(default_factory=list)

    @property
    def title(self) -> str:
        return TITLES[self.name]

    @property
    def headers(self) -> tuple[str, ...]:
        return HEADERS[self.name]


def period(raw: str | None) -> int:
    """The report period in days: one of PERIODS, else the default."""
    try:
        days = int((raw or "").strip())
    except ValueError:  # not a number, or digits int() does not read («²»)
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def pairs_seen(since: datetime, now: datetime, policy: LearningPolicy) -> list[PairStat]:
    """Pairs filed in the period, judged over the learning horizon (as the search uses them)."""
    start = min(since, now - policy.horizon)
    return [s for s in pair_stats(usage.filings(start), usage.removed_pairs(), now, policy) if s.last_seen >= since]


def _pair_row(stat: PairStat, title: Callable[[str], str]) -> tuple:
    counted = "удалена" if stat.removed else "да" if stat.counts else "нет"
    return (stat.phrase, title(stat.topic_key), stat.topic_key, stat.companies, stat.filings,
            stat.last_seen, counted, round(stat.weight, 2))


def table(name: str, days: int, now: datetime, limit: int, policy: LearningPolicy,
          topic_title: Callable[[str], str], article_title: Callable[[str], str]) -> Table:
    """One table of the report for the last `days` days, at most `limit` rows."""
    since = now - timedelta(days=days)
    if name == "queries":
        return Table(name, log.frequent_queries(since, limit))
    if name == "zero":
        return Table(name, log.zero_result_queries(limit, since))
    if name == "corrections":
        return Table(name, log.corrections(since, limit))
    if name == "pairs":
        stats = pairs_seen(since, now, policy)[:limit]
        return Table(name, [_pair_row(s, topic_title) for s in stats], stats)
    figures = deflection(days, now)
    ranked = sorted(figures.by_article.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    return Table(name, [(article_title(slug), slug, opened, gone) for slug, (opened, gone) in ranked])


def deflection(days: int, now: datetime) -> DeflectionFigures:
    """Forms whose suggested article was opened in the period, by outcome and by article."""
    forms, articles = usage.opened_forms(now - timedelta(days=days))
    return deflection_figures(forms, articles, now)
