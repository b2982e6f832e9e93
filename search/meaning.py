"""Meaning beyond the words: a classifier trained on each topic's own phrasings, and intent cues.

Both are built from content (examples.yaml, intents.yaml, the topics' titles, descriptions and tags),
so support staff improve them by editing text, not code.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression

from kb.catalog import Catalog
from search.morph import lemma
from search.text import STOP_WORDS
from search.text import tokens

GRAM = 4
# Char n-grams carry word stems through typos and endings; whole lemmas carry the exact meaning.
GRAM_WEIGHT = 0.5
# Short words match as whole lemmas only: «вид» is not the start of «виджет».
MIN_GRAM_WORD = 5
LEMMA_WEIGHT = 1.0
MIN_WEIGHT = 0.01
# «ни в одном» matches the cue «ни один»: one word may stand between two cue words.
MAX_GAP = 1

# The topic's share of the classifier score that comes from the logistic regression; the rest is the
# centroid cosine. The regression weighs the words that tell look-alike topics apart («отключить» vs
# «подключить» АОН), the centroid keeps every topic's vocabulary. Measured on blind sets 3–6: the mix beat
# either alone (blind-6 hit@1 0.893 centroid, 0.913 regression, 0.920 mixed).
LINEAR_SHARE = 0.5
# Inverse regularisation of the regression, and its solver's stopping rule (saga fits in about a second).
LINEAR_C = 30.0
LINEAR_TOL = 1e-3
LINEAR_MAX_ITER = 200
# Fitted models by their training texts: every app of a process (tests make hundreds) shares one fit.
_FITTED: dict[str, LinearModel] = {}
MAX_FITTED = 8

Vector = dict[str, float]


def lemmas(text: str) -> list[str]:
    """Lemmas of every word of the text, stop words included (cues such as «если бы» need them)."""
    return [lemma(w) for w in tokens(text)]


def features(words: list[str]) -> Counter[str]:
    """Lemma unigrams and char n-grams of lemmas with word boundaries, stop words left out."""
    found: Counter[str] = Counter()
    for word in words:
        if word in STOP_WORDS:
            continue
        found["w:" + word] += LEMMA_WEIGHT
        if len(word) < MIN_GRAM_WORD:
            continue
        padded = f" {word} "
        for start in range(max(1, len(padded) - GRAM + 1)):
            found[padded[start:start + GRAM]] += GRAM_WEIGHT
    return found


def _normalised(vector: Vector) -> Vector:
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {k: v / norm for k, v in vector.items()}


@dataclass(frozen=True, eq=False)
class LinearModel:
    """Multinomial logistic regression over the same features (sublinear TF-IDF, unit length)."""

    columns: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray  # features × labels
    bias: np.ndarray

    def probabilities(self, found: Counter[str]) -> np.ndarray | None:
        """Probability of every label for the query's features; None when no feature is known."""
        known = [(self.columns[f], count) for f, count in found.items() if f in self.columns and count > 0]
        if not known:
            return None
        columns = np.fromiter((c for c, _ in known), dtype=np.intp, count=len(known))
        values = (1.0 + np.log(np.fromiter((v for _, v in known), dtype=float, count=len(known)))) * self.idf[columns]
        values /= np.linalg.norm(values) or 1.0
        logits = values @ self.weights[columns] + self.bias
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()


def fit_linear(docs: list[list[Counter[str]]]) -> LinearModel:
    """Fit (or reuse) the regression: one label per entry of docs, trained on each of its phrasings."""
    key = hashlib.sha256(repr([[sorted(v.items()) for v in texts] for texts in docs]).encode()).hexdigest()
    if key not in _FITTED:
        rows = [dict(vector) for texts in docs for vector in texts]
        labels = [label for label, texts in enumerate(docs) for _ in texts]
        vectorizer = DictVectorizer()
        tfidf = TfidfTransformer(sublinear_tf=True)
        matrix = tfidf.fit_transform(vectorizer.fit_transform(rows))
        model = LogisticRegression(C=LINEAR_C, solver="saga", tol=LINEAR_TOL, max_iter=LINEAR_MAX_ITER,
                                   random_state=0).fit(matrix, labels)
        weights = np.zeros((matrix.shape[1], len(docs)))
        weights[:, model.classes_] = model.coef_.T
        bias = np.full(len(docs), -1e9)
        bias[model.classes_] = model.intercept_
        if len(_FITTED) >= MAX_FITTED:
            _FITTED.pop(next(iter(_FITTED)))
        _FITTED[key] = LinearModel(dict(vectorizer.vocabulary_), tfidf.idf_, weights, bias)
    return _FITTED[key]


@dataclass(frozen=True)
class Classifier:
    """TF-IDF centroid per topic over its phrasings (cosine, summed over an inverted index), mixed with
    a logistic regression over the same phrasings."""

    labels: tuple[tuple[str, ...], ...]
    postings: dict[str, tuple[tuple[int, float], ...]]
    idf: dict[str, float]
    linear: LinearModel | None = None

    def scores(self, words: list[str]) -> dict[str, float]:
        """Topic key → score (0..1) of the query lemmas for the topic's phrasings."""
        found = features(words)
        query = {f: (1 + math.log(c)) * self.idf[f] for f, c in found.items() if f in self.idf}
        if not query:
            return {}
        totals: dict[int, float] = {}
        for feature, weight in _normalised(query).items():
            for label, value in self.postings[feature]:
                totals[label] = totals.get(label, 0.0) + weight * value
        probabilities = self.linear.probabilities(found) if self.linear else None
        if probabilities is not None:
            totals = {label: (1 - LINEAR_SHARE) * totals.get(label, 0.0) + LINEAR_SHARE * float(p)
                      for label, p in enumerate(probabilities)}
        return {key: score for label, score in totals.items() for key in self.labels[label]}


def topic_texts(catalog: Catalog) -> dict[str, list[str]]:
    """Every phrasing that speaks for a topic: title, description, tags and examples."""
    return {
        topic.key: [topic.title, topic.description, *topic.tags, *catalog.examples.get(topic.key, ())]
        for topic in catalog.topics()
    }


def train(catalog: Catalog, linear: bool = True) -> Classifier:
    """Fit the classifier on the catalog's own phrasings; topics with the same texts share one label."""
    grouped: dict[tuple[str, ...], list[str]] = {}
    for key, texts in topic_texts(catalog).items():
        grouped.setdefault(tuple(texts), []).append(key)
    docs = [[features(lemmas(text)) for text in texts] for texts in grouped]
    df: Counter[str] = Counter()
    for texts in docs:
        df.update({f for vector in texts for f in vector})
    n = len(docs)
    idf = {f: math.log((1 + n) / (1 + count)) + 1 for f, count in df.items()}
    postings: dict[str, list[tuple[int, float]]] = {}
    for label, texts in enumerate(docs):
        centroid: Vector = {}
        for vector in texts:
            for f, value in _normalised({f: (1 + math.log(c)) * idf[f] for f, c in vector.items()}).items():
                centroid[f] = centroid.get(f, 0.0) + value
        for f, value in _normalised(centroid).items():
            if value >= MIN_WEIGHT:
                postings.setdefault(f, []).append((label, value))
    return Classifier(
        labels=tuple(tuple(keys) for keys in grouped.values()),
        postings={f: tuple(rows) for f, rows in postings.items()},
        idf={f: idf[f] for f in postings},
        linear=fit_linear(docs) if linear and len(docs) > 1 else None,
    )


@dataclass(frozen=True)
class Intents:
    """Cue lemma sequences → the topics their intent points to, with the intent's weight."""

    by_first: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...], float], ...]]

    def topics(self, words: list[str]) -> dict[str, float]:
        """Topic key → weight of the strongest intent whose cue occurs in the query lemmas, in order."""
        found: dict[str, float] = {}
        for position, word in enumerate(words):
            for cue, keys, weight in self.by_first.get(word, ()):
                if _follows(words, position, cue):
                    for key in keys:
                        found[key] = max(found.get(key, 0.0), weight)
        return found


def _follows(words: list[str], position: int, cue: tuple[str, ...]) -> bool:
    """The rest of the cue follows words[position], each next cue word at most MAX_GAP words later."""
    for part in cue[1:]:
        window = words[position + 1:position + 2 + MAX_GAP]
        if part not in window:
            return False
        position += 1 + window.index(part)
    return True


def compile_intents(catalog: Catalog) -> Intents:
    by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], float]]] = {}
    for intent in catalog.intents:
        for cue in intent.cues:
            sequence = tuple(lemmas(cue))
            if sequence:
                by_first.setdefault(sequence[0], []).append((sequence, intent.topics, intent.weight))
    return Intents({first: tuple(rows) for first, rows in by_first.items()})
