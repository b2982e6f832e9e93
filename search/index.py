"""The in-memory search index: BM25F postings over stems plus the vocabulary for typo repair."""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from kb.catalog import Article
from kb.catalog import Catalog
from kb.catalog import Category
from kb.catalog import Topic
from search.meaning import Classifier
from search.meaning import Intents
from search.meaning import compile_intents
from search.meaning import train
from search.synonyms import Phrase
from search.synonyms import Synonyms
from search.synonyms import load_synonyms
from search.text import GENERAL_WORDS
from search.text import fold
from search.text import fold_text
from search.text import stem
from search.text import words

K1 = 1.2
# Field weights follow the issue: title > tags (customer wording) > description; context is the parent
# category of a topic (or the topics of a category), so "обзвон" also finds the telephony topics.
# examples: the phrasings customers use for a topic (content/examples.yaml), many and long, so lower.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0, "tags": 2.5, "text": 1.0, "body": 0.5, "context": 0.5, "examples": 1.0,
}
FIELD_B: dict[str, float] = {
    "title": 0.5, "tags": 0.3, "text": 0.75, "body": 0.75, "context": 0.5, "examples": 0.75,
}
# The meaning components; each can be switched off to measure what it adds (bench/search_quality.py).
COMPONENTS = frozenset(("examples", "lemmas", "segmentation", "classifier", "regression", "intents"))


@dataclass(frozen=True)
class Doc:
    kind: str
    ref: Topic | Article | Category
    category: Category | None
    phrases: tuple[str, ...]
    fields: dict[str, list[str]] = field(repr=False)


@dataclass
class SearchIndex:
    catalog: Catalog
    synonyms: Synonyms
    docs: list[Doc]
    postings: dict[str, dict[int, float]]
    surface: dict[str, str]
    word_df: dict[str, int]
    forms: dict[str, list[str]]
    words_by_len: dict[int, list[str]]
    stems_by_len: dict[int, list[str]]
    sorted_words: list[str]
    syn_index: dict[Phrase, list[int]]
    syn_words: frozenset[str]
    syn_sorted: list[str]
    syn_max_len: int
    components: frozenset[str] = COMPONENTS
    classifier: Classifier | None = None
    intents: Intents | None = None
    topic_docs: dict[str, int] = field(default_factory=dict)
    category_docs: dict[str, int] = field(default_factory=dict)
    # (topic key, its doc number, its category's doc number) for the fusion loop.
    topic_refs: tuple[tuple[str, int, int], ...] = ()

    def is_known(self, word: str) -> bool:
        """A word the index can use as it is: content vocabulary, synonyms or a stop word."""
        if word in GENERAL_WORDS or word in self.surface or word in self.syn_words:
            return True
        return stem(word) in self.postings

    def prefixed(self, prefix: str, limit: int = 30) -> list[str]:
        """Content words that start with prefix, most frequent first."""
        start = bisect.bisect_left(self.sorted_words, prefix)
        found = []
        for word in self.sorted_words[start:]:
            if not word.startswith(prefix):
                break
            found.append(word)
        found.sort(key=lambda w: -self.word_df.get(w, 0))
        return found[:limit]

    def syn_prefixed(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self.syn_sorted, prefix)
        found = []
        for word in self.syn_sorted[start:]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return found


def _doc_fields(ref: Topic | Article | Category, category: Category | None,
                examples: tuple[str, ...]) -> dict[str, str]:
    if isinstance(ref, Topic):
        assert category is not None
        return {
            "title": ref.title,
            "tags": " ; ".join(ref.tags),
            "text": ref.description,
            "context": " ; ".join((category.title, *category.tags)),
            "examples": " ; ".join(examples),
        }
    if isinstance(ref, Article):
        return {"title": ref.title, "tags": " ; ".join(ref.tags), "text": ref.summary, "body": _prose(ref.body)}
    return {
        "title": ref.title,
        "tags": " ; ".join(ref.tags),
        "text": ref.summary,
        "context": " ; ".join(t.title for t in ref.topics),
    }


# An article is searched by its opening: help pages answer first, and whole bodies of 10k articles would
# make the posting lists of common words too long for a keystroke's budget.
BODY_WORDS = 150
# Code spans and blocks show input as typed («атчет не фармируеца»): indexed, they would teach the typo
# repair that misspellings are words.
_CODE_RE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def _prose(markdown: str) -> str:
    return _CODE_RE.sub(" ", markdown)


def make_docs(catalog: Catalog, with_examples: bool = True) -> list[Doc]:
    """The documents of a catalog: its topics (with their example phrasings), articles and categories."""
    docs = []
    for category in catalog.categories:
        for topic in category.topics:
            examples = catalog.examples.get(topic.key, ()) if with_examples else ()
            docs.append(_doc("topic", topic, category, examples))
    docs.extend(_doc("article", article, None) for article in catalog.articles.values())
    docs.extend(_doc("category", category, None) for category in catalog.categories)
    return docs


def _doc(kind: str, ref: Topic | Article | Category, category: Category | None,
         examples: tuple[str, ...] = ()) -> Doc:
    raw = _doc_fields(ref, category, examples)
    phrases = tuple(dict.fromkeys(fold(p) for p in (ref.title, *ref.tags)))
    # Whole texts: fold() caps queries, and a capped field would index only its first few examples.
    fields = {name: words(fold_text(text)) for name, text in raw.items()}
    if "body" in fields:
        fields["body"] = fields["body"][:BODY_WORDS]
    return Doc(kind, ref, category, phrases, fields)


def _by_len(items: Iterable[str]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for item in items:
        grouped.setdefault(len(item), []).append(item)
    return grouped


def build_docs_index(catalog: Catalog, synonyms: Synonyms, docs: list[Doc],
                     components: frozenset[str] = COMPONENTS) -> SearchIndex:
    """Index prepared documents (build_index for a catalog; the benchmark feeds generated ones)."""
    stemmed = [{name: [stem(w) for w in ws] for name, ws in doc.fields.items()} for doc in docs]
    lengths: dict[tuple[str, str], list[int]] = {}
    for doc, fields in zip(docs, stemmed, strict=True):
        for name, stems in fields.items():
            lengths.setdefault((doc.kind, name), []).append(len(stems))
    avg = {key: (sum(v) / len(v)) or 1.0 for key, v in lengths.items()}

    tf_weighted: dict[str, dict[int, float]] = {}
    surface: dict[str, str] = {}
    word_df: Counter[str] = Counter()
    for number, (doc, fields) in enumerate(zip(docs, stemmed, strict=True)):
        seen_words: set[str] = set()
        for name, stems in fields.items():
            if not stems:
                continue
            b = FIELD_B[name]
            norm = FIELD_WEIGHTS[name] / (1 - b + b * len(stems) / avg[(doc.kind, name)])
            for term, count in Counter(s for s in stems if s not in GENERAL_WORDS).items():
                row = tf_weighted.setdefault(term, {})
                row[number] = row.get(number, 0.0) + count * norm
            for word, term in zip(doc.fields[name], stems, strict=True):
                surface.setdefault(word, term)
                seen_words.add(word)
        word_df.update(seen_words)

    # IDF is applied per query group at search time (a word and its synonyms share one document
    # frequency, as Lucene's SynonymQuery does), so postings hold the saturated field-weighted tf only.
    postings = {
        term: {number: tf * (K1 + 1) / (tf + K1) for number, tf in row.items()}
        for term, row in tf_weighted.items()
    }

    forms: dict[str, list[str]] = {}
    for word, term in surface.items():
        forms.setdefault(term, []).append(word)
    syn_words = frozenset(synonyms.words())
    syn_index = synonyms.by_stems()
    category_docs = {doc.ref.slug: number for number, doc in enumerate(docs) if isinstance(doc.ref, Category)}
    topic_docs = {doc.ref.key: number for number, doc in enumerate(docs) if isinstance(doc.ref, Topic)}
    return SearchIndex(
        catalog=catalog,
        synonyms=synonyms,
        docs=docs,
        postings=postings,
        surface=surface,
        word_df=dict(word_df),
        forms=forms,
        words_by_len=_by_len(set(surface) | syn_words),
        stems_by_len=_by_len(postings),
        sorted_words=sorted(surface),
        syn_index=syn_index,
        syn_words=syn_words,
        syn_sorted=sorted(syn_words),
        syn_max_len=max((len(k) for k in syn_index), default=1),
        components=components,
        classifier=train(catalog, linear="regression" in components) if "classifier" in components else None,
        intents=compile_intents(catalog) if "intents" in components else None,
        topic_docs=topic_docs,
        category_docs=category_docs,
        topic_refs=tuple(
            (key, number, category_docs[key.partition("/")[0]]) for key, number in topic_docs.items()
        ),
    )


def build_index(catalog: Catalog, synonyms_path: Path | None = None,
                components: frozenset[str] = COMPONENTS) -> SearchIndex:
    """Build the search index of a catalog with the synonyms file (None or missing: no synonyms)."""
    docs = make_docs(catalog, with_examples="examples" in components)
    return build_docs_index(catalog, load_synonyms(synonyms_path), docs, components)


def idf(doc_count: int, total: int) -> float:
    """BM25 inverse document frequency."""
    return math.log(1 + (total - doc_count + 0.5) / (doc_count + 0.5))
