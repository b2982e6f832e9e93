"""Search latency in-process: the dev queries on the real catalog and on a generated 10,000-article KB.

Run from the repository root: `python -m bench.search` (or `python bench/search.py`).
Prints build time and p50/p95 per query; it measures, it does not assert.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb.catalog import Article  # noqa: E402
from kb.catalog import Catalog  # noqa: E402
from kb.catalog import load_catalog  # noqa: E402
from search import build_index  # noqa: E402
from search import query  # noqa: E402
from search.text import tokens  # noqa: E402

DEV_QUERIES = (
    ROOT.parent / "shared" / "search" / "dev-queries.jsonl",
    ROOT / "tests" / "data" / "dev-queries.jsonl",
)
SYLLABLES = (
    "ка", "ро", "ми", "на", "ле", "то", "зу", "пре", "вы", "ста", "ни", "ко", "ра", "де", "ли", "бо",
    "тер", "мен", "сти", "ва", "ги", "по",
)


def dev_queries() -> list[str]:
    path = next(p for p in DEV_QUERIES if p.exists())
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["query"] for line in lines if line.strip()]


def generated_catalog(catalog: Catalog, size: int, seed: int = 1) -> Catalog:
    """The real categories plus `size` articles of 80–400 words, catalog and invented words Zipf-weighted."""
    rnd = random.Random(seed)
    texts = [t.title + " " + t.description + " " + " ".join(t.tags) for t in catalog.topics()]
    texts += [a.title + " " + a.body for a in catalog.articles.values()]
    vocabulary = sorted({w for text in texts for w in tokens(text)})
    invented = sorted({"".join(rnd.choices(SYLLABLES, k=rnd.randint(2, 4))) for _ in range(30000)})
    words = vocabulary + invented
    weights = [1 / (rank + 1) for rank in range(len(words))]
    rnd.shuffle(weights)
    cumulative = list(itertools.accumulate(weights))
    articles = {}
    for number in range(size):
        title = " ".join(rnd.choices(words, cum_weights=cumulative, k=rnd.randint(3, 7))).capitalize()
        body = " ".join(rnd.choices(words, cum_weights=cumulative, k=rnd.randint(80, 400)))
        tags = tuple(
            " ".join(rnd.choices(words, cum_weights=cumulative, k=2)) for _ in range(rnd.randint(0, 4))
        )
        slug = f"gen-{number}"
        articles[slug] = Article(slug, title, "guide", body[:120], body, "", tags)
    return Catalog(categories=catalog.categories, articles=articles, fields=catalog.fields, revision="bench")


def measure(label: str, catalog: Catalog, synonyms: Path, queries: list[str], rounds: int) -> None:
    started = time.perf_counter()
    index = build_index(catalog, synonyms)
    build_ms = (time.perf_counter() - started) * 1000
    for text in queries:
        query(index, text)
    timings = []
    for _ in range(rounds):
        for text in queries:
            started = time.perf_counter()
            query(index, text)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(
        f"{label}: {len(index.docs)} docs, {len(index.postings)} stems, build {build_ms:.0f} ms; "
        f"per query p50 {statistics.median(timings):.3f} ms, p95 {p95:.3f} ms, "
        f"mean {statistics.fmean(timings):.3f} ms (n={len(timings)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="generated articles")
    parser.add_argument("--rounds", type=int, default=20, help="passes over the queries on the catalog")
    args = parser.parse_args()
    content = ROOT / "content"
    catalog = load_catalog(content)
    synonyms = content / "synonyms.yaml"
    queries = dev_queries()
    measure("catalog", catalog, synonyms, queries, args.rounds)
    measure(f"generated {args.size}", generated_catalog(catalog, args.size), synonyms, queries, 3)


if __name__ == "__main__":
    main()
