"""Search quality in-process: hit@1, hit@3 and MRR per labelled set, with each meaning component off.

Run from the repository root: `python bench/search_quality.py [FILE ...]` (default: every labelled set in
tests/data plus the dev set). The answer is shaped like /api/search (titles only), so the numbers match
`flask search eval`. It measures, it does not assert; the floors live in tests/web/test_search_quality.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb.catalog import Catalog  # noqa: E402
from kb.catalog import load_catalog  # noqa: E402
from search import build_index  # noqa: E402
from search import query  # noqa: E402
from search.evaluation import Metrics  # noqa: E402
from search.evaluation import evaluate  # noqa: E402
from search.index import COMPONENTS  # noqa: E402
from search.results import SearchResult  # noqa: E402

DATA = ROOT / "tests" / "data"
DEFAULT_SETS = (
    "dev-queries.jsonl", "holdout-queries.jsonl", "blind-queries-1.jsonl", "blind-queries-2.jsonl",
    "blind-queries-3.jsonl", "blind-queries-5.jsonl", "meaning-queries.jsonl",
)


def answer(result: SearchResult) -> dict:
    """The judged part of the /api/search answer."""
    return {
        "categories": [{"title": h.category.title} for h in result.categories],
        "topics": [{"category": h.category.title, "title": h.topic.title} for h in result.topics],
        "articles": [{"title": h.article.title} for h in result.articles],
    }


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def cross_validate(catalog: Catalog, synonyms: Path, components: frozenset[str], folds: int = 5) -> str:
    """Train on four fifths of the example phrasings, query the held-out fifth (a topic of the same slug counts)."""
    def fold(phrase: str) -> int:
        return zlib.crc32(phrase.encode()) % folds

    slugs: dict[str, set[str]] = {}
    for key, phrases in catalog.examples.items():
        for phrase in phrases:
            slugs.setdefault(phrase, set()).add(key.partition("/")[2])
    ranks = []
    for number in range(folds):
        kept = {key: tuple(p for p in phrases if fold(p) != number) for key, phrases in catalog.examples.items()}
        index = build_index(dataclasses.replace(catalog, examples=kept), synonyms, components)
        for phrase in sorted(p for p in slugs if fold(p) == number):
            found = [hit.topic.slug in slugs[phrase] for hit in query(index, phrase, 10).topics]
            ranks.append(next((r for r, ok in enumerate(found, start=1) if ok), 0))
    m = Metrics(ranks)
    return f"{m.share(1):.3f}/{m.share(3):.3f}/{m.mrr:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="labelled JSON-lines sets")
    parser.add_argument("--misses", action="store_true", help="list the queries not ranked first")
    parser.add_argument("--no-ablations", action="store_true", help="only the full engine")
    parser.add_argument("--cv", action="store_true", help="also 5-fold cross-validation over the examples")
    args = parser.parse_args()
    files = args.files or [DATA / name for name in DEFAULT_SETS if (DATA / name).exists()]
    content = ROOT / "content"
    catalog = load_catalog(content)
    configs = [("full", COMPONENTS)]
    if not args.no_ablations:
        configs += [(f"-{name}", COMPONENTS - {name}) for name in sorted(COMPONENTS)]
        configs.append(("bm25f only", frozenset()))
    names = [f.stem.replace("-queries", "") for f in files]
    if args.cv:
        names.append("examples 5-fold")
    print(f"{'config':<14}" + "".join(f"{n:>26}" for n in names))
    for label, components in configs:
        variant = build_index(catalog, content / "synonyms.yaml", frozenset(components))
        cells = []
        for path in files:
            report = evaluate(read_rows(path), lambda q, v=variant: answer(query(v, q, 10)))
            m: Metrics = report.overall
            cells.append(f"{m.share(1):.3f}/{m.share(3):.3f}/{m.mrr:.3f}")
            if args.misses and label == "full":
                for miss in report.misses:
                    print(f"  {path.stem}: {miss.query!r} → {miss.rank or '-'}", file=sys.stderr)
        if args.cv:
            cells.append(cross_validate(catalog, content / "synonyms.yaml", frozenset(components)))
        print(f"{label:<14}" + "".join(f"{c:>26}" for c in cells))
    print("cells: hit@1/hit@3/MRR")


if __name__ == "__main__":
    main()
