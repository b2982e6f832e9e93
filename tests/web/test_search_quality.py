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


# Each labelled set with its floor (hit@3, hit@1) and where it came from. Measured history in the comments.
FLOORS = [
    # Own phrasings (never copied into tags or synonyms): a floor against overfitting the dev set.
    pytest.param("holdout-queries.jsonl", 0.9, 0.8, id="holdout"),
    # Written from the guide alone by authors who saw neither the engine nor content/. First measured
    # before any tuning: set 1 0.925 / 0.983, set 2 0.970 / 0.990; a few synonyms and tags followed their
    # misses, so they only keep the search from sliding back.
    pytest.param("blind-queries-1.jsonl", 0.95, 0.9, id="blind-1"),
    pytest.param("blind-queries-2.jsonl", 0.95, 0.9, id="blind-2"),
    # Set 3: stories, wishes, outages, goodbyes, platform words, run-together words. BM25F alone:
    # 0.500 / 0.740; the meaning layer was tuned on its misses (never by pasting its queries).
    pytest.param("blind-queries-3.jsonl", 0.95, 0.9, id="blind-3"),
    # Set 4: sealed while the meaning layer was built and tuned, judged once per step: before 0.380 / 0.520,
    # meaning layer 0.740 / 0.873, guide-written examples and fitted fusion 0.813 / 0.960. Its misses have
    # been read since: a floor from here on; the next step needs a fresh sealed set.
    pytest.param("blind-queries-4.jsonl", 0.95, 0.8, id="blind-4"),
    # Set 5: measured before any change made with it in view: 0.750 / 0.906, then 0.838 / 0.981 with
    # examples and fusion fitted on cross-validation over the examples, never on this set.
    pytest.param("blind-queries-5.jsonl", 0.97, 0.82, id="blind-5"),
    # Set 6 (tuning set of stop 7): 0.840 / 0.953 before; 0.927 / 0.987 after whole-text indexing, whole
    # queries and the regression. Set 7 was sealed outside the repository as the judge.
    pytest.param("blind-queries-6.jsonl", 0.97, 0.88, id="blind-6"),
    # Set 7: the sealed judge of stop 7, looked at twice (numbers only): 0.793 / 0.940 before, 0.900 / 0.980
    # after. A floor from here on; the next step needs a fresh sealed set.
    pytest.param("blind-queries-7.jsonl", 0.97, 0.88, id="blind-7"),
    # Phrasings of the miss kinds written before the examples; BM25F alone: 0.527 / 0.691.
    pytest.param("meaning-queries.jsonl", 0.95, 0.85, id="meaning"),
]


def test_dev_queries(judge):
    path = next(p for p in DEV if p.exists())
    report = judge(read_rows(path))
    misses = [(m.query, m.rank) for m in report.misses]
    assert report.overall.share(3) >= 0.97, (str(report.overall), misses)
    assert report.overall.share(1) >= 0.95, (str(report.overall), misses)


@pytest.mark.parametrize(("name", "hit3", "hit1"), FLOORS)
def test_labelled_sets_stay_above_their_floors(judge, name, hit3, hit1):
    report = judge(read_rows(DATA / name))
    misses = [(m.query, m.rank) for m in report.misses]
    assert report.overall.share(3) >= hit3, (str(report.overall), misses)
    assert report.overall.share(1) >= hit1, (str(report.overall), misses)
