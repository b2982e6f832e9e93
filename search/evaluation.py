"""hit@1, hit@3 and MRR over labelled queries, judged on the public JSON answer of the search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е").strip()


def rank_of(row: dict[str, Any], answer: dict[str, Any]) -> int:
    """1-based rank of the first acceptable item in the judged list of the answer; 0 when absent."""
    kind = row["kind"]
    accept = row["accept"]
    if kind == "topic":
        pairs = {(_fold(a["category"]), _fold(a["topic"])) for a in accept}
        found = [(_fold(t["category"]), _fold(t["title"])) in pairs for t in answer.get("topics", [])]
    elif kind == "article":
        fragments = [_fold(a) for a in accept]
        found = [any(f in _fold(a["title"]) for f in fragments) for a in answer.get("articles", [])]
    elif kind == "category":
        titles = {_fold(a) for a in accept}
        found = [_fold(c["title"]) in titles for c in answer.get("categories", [])]
    else:
        raise KeyError(f"kind={kind!r}")
    return next((number for number, ok in enumerate(found, start=1) if ok), 0)


@dataclass
class Metrics:
    ranks: list[int] = field(default_factory=list)

    def share(self, depth: int) -> float:
        return sum(0 < r <= depth for r in self.ranks) / len(self.ranks) if self.ranks else 0.0

    @property
    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r) / len(self.ranks) if self.ranks else 0.0

    def __str__(self) -> str:
        return f"hit@1={self.share(1):.3f} hit@3={self.share(3):.3f} MRR={self.mrr:.3f} (n={len(self.ranks)})"


@dataclass(frozen=True)
class Miss:
    query: str
    kind: str
    rank: int


@dataclass
class Report:
    overall: Metrics = field(default_factory=Metrics)
    by_kind: dict[str, Metrics] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)


def evaluate(rows: list[dict[str, Any]], search: Callable[[str], dict[str, Any]]) -> Report:
    """Run every labelled query through `search` (query → JSON answer) and collect the metrics."""
    report = Report()
    for row in rows:
        rank = rank_of(row, search(row["query"]))
        report.overall.ranks.append(rank)
        report.by_kind.setdefault(row["kind"], Metrics()).ranks.append(rank)
        if rank != 1:
            report.misses.append(Miss(row["query"], row["kind"], rank))
    return report
