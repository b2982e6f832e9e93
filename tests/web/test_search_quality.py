"""Search quality on the labelled dev queries, judged through the public JSON endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search.evaluation import evaluate

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
DEV = (ROOT.parent / "shared" / "search" / "dev-queries.jsonl", DATA / "dev-queries.jsonl")


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def judge(app, client):
    app.config["SEARCH_LOG"] = False

    def run(rows: list[dict]):
        return evaluate(rows, lambda q: client.get("/api/search", query_string={"q": q, "limit": 10}).json)

    return run


def test_dev_queries(judge):
    path = next(p for p in DEV if p.exists())
    report = judge(read_rows(path))
    misses = [(m.query, m.rank) for m in report.misses]
    assert report.overall.share(3) >= 0.97, (str(report.overall), misses)
    assert report.overall.share(1) >= 0.95, (str(report.overall), misses)


def test_holdout_queries_written_apart_from_the_tuning(judge):
    """Own phrasings (never copied into tags or synonyms): a floor against overfitting the dev set."""
    report = judge(read_rows(DATA / "holdout-queries.jsonl"))
    misses = [(m.query, m.rank) for m in report.misses]
    assert report.overall.share(3) >= 0.9, (str(report.overall), misses)
    assert report.overall.share(1) >= 0.8, (str(report.overall), misses)


@pytest.mark.parametrize("name", ["blind-queries-1.jsonl", "blind-queries-2.jsonl"])
def test_queries_written_blind(judge, name):
    """Sets written from the guide alone by authors who saw neither the engine nor content/.

    First measured before any tuning on them: set 1 hit@1 0.925 / hit@3 0.983, set 2 0.970 / 0.990.
    A few synonyms and tags were added after their misses, so they are no longer blind: the floors
    below only keep them from sliding back.
    """
    report = judge(read_rows(DATA / name))
    misses = [(m.query, m.rank) for m in report.misses]
    assert report.overall.share(3) >= 0.95, (str(report.overall), misses)
    assert report.overall.share(1) >= 0.9, (str(report.overall), misses)


def test_queries_written_blind_about_meaning(judge):
    """Set 3: long stories, wishes, outages, goodbyes, platform words and run-together words, from the guide.

    Measured before the meaning work: hit@1 0.500 / hit@3 0.740 (BM25F alone). Examples, intents and
    fusion were then tuned on its misses (never by pasting its queries), so this is a floor, not a judge.
    """
    report = judge(read_rows(DATA / "blind-queries-3.jsonl"))
    misses = [(m.query, m.rank) for m in report.misses]
    assert report.overall.share(3) >= 0.95, (str(report.overall), misses)
    assert report.overall.share(1) >= 0.9, (str(report.overall), misses)


def test_queries_written_blind_after_the_meaning_layer(judge):
    """Set 5: 160 phrasings from the guide alone, measured before any change made with it in view.

    The meaning layer as first merged: hit@1 0.750 / hit@3 0.906. With the examples written from the guide
    (content/examples.yaml) and the fusion fitted on cross-validation over them, never on this set:
    0.838 / 0.981. Kept from now on as a floor, not a judge: the next change may be tuned with it in view.
    """
    report = judge(read_rows(DATA / "blind-queries-5.jsonl"))
    misses = [(m.query, m.rank) for m in report.misses]
    assert report.overall.share(3) >= 0.97, (str(report.overall), misses)
    assert report.overall.share(1) >= 0.82, (str(report.overall), misses)


def test_the_sealed_judge_of_the_meaning_work(judge):
    """Set 4: 150 phrasings from the guide alone, sealed while the meaning layer was built and tuned.

    Judged once per step: before 0.380 / 0.520, meaning layer 0.740 / 0.873, with the guide-written
    examples and fitted fusion 0.813 / 0.960. Its misses have now been read, so it is a floor from here on;
    the next step needs a fresh sealed set.
    """
    report = judge(read_rows(DATA / "blind-queries-4.jsonl"))
    misses = [(m.query, m.rank) for m in report.misses]
    assert report.overall.share(3) >= 0.95, (str(report.overall), misses)
    assert report.overall.share(1) >= 0.8, (str(report.overall), misses)


def test_own_meaning_phrasings(judge):
    """Phrasings of the issue's miss kinds written before the examples; BM25F alone: 0.527 / 0.691."""
    report = judge(read_rows(DATA / "meaning-queries.jsonl"))
    misses = [(m.query, m.rank) for m in report.misses]
    assert report.overall.share(3) >= 0.95, (str(report.overall), misses)
    assert report.overall.share(1) >= 0.85, (str(report.overall), misses)
