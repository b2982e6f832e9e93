"""Query pipeline: repair layout/translit, expand synonyms, match stems with typos, BM25F, re-rank."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz import process
from rapidfuzz.distance import OSA

from kb.catalog import Article
from kb.catalog import Category
from kb.catalog import Topic
from search.index import SearchIndex
from search.index import idf
from search.morph import is_dictionary_word
from search.morph import lemma
from search.morph import segment
from search.results import ArticleHit
from search.results import CategoryHit
from search.results import Hit
from search.results import SearchResult
from search.results import TopicHit
from search.text import GENERAL_WORDS
from search.text import MAX_QUERY_LENGTH
from search.text import fold
from search.text import is_cyrillic
from search.text import is_qwerty
from search.text import latin_words
from search.text import stem
from search.text import swap_to_en
from search.text import swap_to_ru
from search.text import translit_variants
from search.text import words

MAX_TOKENS = 80
# Typo budget by word length, as Typesense/Algolia do: none below 4 letters, 1 from 4, 2 from 8.
ONE_TYPO_FROM = 4
TWO_TYPOS_FROM = 8
MIN_PREFIX = 3
PREFIX_SIM = 0.9
SYNONYM_SIM = 0.95
LAYOUT_PENALTY = 0.05
TRANSLIT_PENALTY = 0.08
RERANK_DEPTH = 20
RERANK_WEIGHT = 1.0
MIN_SHARE = 0.2
CONFIDENT_RATIO = 1.5
# Fusion with BM25F, as shares of the best BM25F score of the query. The weights were fitted (softmax
# log-likelihood, coordinate ascent) on 5-fold cross-validation over content/examples.yaml: train on four
# fifths of the phrasings, query the held-out fifth; blind-5 stayed out of the fit to judge it.
# The classifier counts twice: its cosine, and its cosine relative to the query's best topic (per-query
# calibration, so a long story with a low cosine everywhere still points somewhere). Below CLS_MIN the
# classifier is silent: a query about nothing in the catalog (рецепт борща) gets no topic from it.
CLS_WEIGHT = 1.04
CLS_RELATIVE_WEIGHT = 0.81
CLS_MIN = 0.05
INTENT_WEIGHT = 0.89
PRIOR_WEIGHT = 0.3
# A topic also gets a share of its category's score: «в глобалтелекоме …» prefers that platform's topics.
CATEGORY_WEIGHT = 0.67

Terms = dict[str, float]
Alternative = list[Terms]


@dataclass
class _Word:
    text: str
    shown: str
    last: bool
    terms: Terms


def typo_budget(length: int) -> int:
    """Edits allowed for a word of this length."""
    if length < ONE_TYPO_FROM:
        return 0
    return 1 if length < TWO_TYPOS_FROM else 2


# --- step 1: keyboard layout and transliteration, per raw token ---------------------------------


def _share_known(index: SearchIndex, ws: list[str]) -> float:
    return sum(index.is_known(w) for w in ws) / len(ws) if ws else 0.0


def _closeness(index: SearchIndex, ws: list[str]) -> float:
    """Mean closeness (0..1) of each word to its nearest vocabulary word, for words with no exact match."""
    total = 0.0
    for word in ws:
        if index.is_known(word):
            total += 1.0
            continue
        budget = max(1, typo_budget(len(word)))
        nearest = min((d for _, d in _fuzzy_words(index, word, budget)), default=None)
        total += 1 - nearest / len(word) if nearest is not None and len(word) >= 3 else 0.0
    return total / len(ws) if ws else 0.0


def _closest_variant(index: SearchIndex, variants: list[str]) -> str | None:
    """The transliteration reading nearest to the vocabulary (the word is mistyped as well)."""
    scored = [(_closeness(index, [v]), v) for v in variants[:8]]
    return max(scored)[1] if scored else None


def _repair_token(index: SearchIndex, raw: str) -> tuple[list[str], str]:
    """The words a raw token stands for and how they were obtained (plain, layout or translit)."""
    plain = words(raw)
    if is_cyrillic(raw):
        if len(raw) >= 3 and not all(index.is_known(w) for w in plain):
            latin = words(swap_to_en(raw).lower())
            if latin and all(w in index.surface or w in index.syn_words for w in latin):
                return latin, "layout"
            if "segmentation" in index.components:
                split = [piece for w in plain for piece in _split(index, w)]
                if len(split) > len(plain):
                    return split, "split"
        return plain, "plain"
    if not is_qwerty(raw) or all(index.is_known(w) for w in plain):
        return plain, "plain"
    layouts = [words(fold(swap_to_ru(v))) for v in dict.fromkeys((raw, raw.rstrip(".,;")))]
    for candidate in layouts:
        if candidate and all(index.is_known(w) for w in candidate):
            return candidate, "layout"
    latin = latin_words(raw)
    variants = [[v for v in translit_variants(w) if v] for w in latin]
    readings = [next((v for v in vs if index.is_known(v)), None) for vs in variants]
    if readings and all(readings):
        return [r for r in readings if r], "translit"
    firsts = [r or (vs[0] if vs else w) for r, vs, w in zip(readings, variants, latin, strict=True)]
    candidates = [(plain, "plain", 0.0), (firsts, "translit", TRANSLIT_PENALTY)]
    candidates += [(c, "layout", LAYOUT_PENALTY) for c in layouts]
    scored = [(_share_known(index, ws) - penalty, ws, mode) for ws, mode, penalty in candidates]
    best = max(scored, key=lambda c: c[0])
    if best[0] > 0:
        return best[1], best[2]
    # Nothing is known: the token is both mistyped and in the wrong layout/script. Only Latin input is
    # converted on closeness; an unknown Cyrillic word is far more likely a plain typo.
    closest = [_closest_variant(index, vs) or w for vs, w in zip(variants, latin, strict=True)]
    candidates[1] = (closest, "translit", TRANSLIT_PENALTY)
    scored = [(_closeness(index, ws) - penalty, ws, mode) for ws, mode, penalty in candidates]
    best = max(scored, key=lambda c: c[0])
    return (best[1], best[2]) if best[0] >= 0.7 else (plain, "plain")


def _split(index: SearchIndex, word: str) -> list[str]:
    """A run-together word («кредитныйлимитувеличить») as its words, when it is no word nor a typo of one."""
    if index.is_known(word) or is_dictionary_word(word) or _fuzzy_words(index, word):
        return [word]
    return segment(word, lambda piece: piece in index.surface or piece in index.syn_words
                   or (len(piece) >= 4 and index.is_known(piece))) or [word]


def _repair(index: SearchIndex, raw_tokens: list[str]) -> list[tuple[list[str], str]]:
    repaired = [_repair_token(index, raw) if len(raw) > 2 else ([], "short") for raw in raw_tokens]
    modes = [mode for _, mode in repaired if mode in ("layout", "translit")]
    majority = max(set(modes), key=modes.count) if modes else "plain"
    for number, raw in enumerate(raw_tokens):
        if repaired[number][1] != "short":
            continue
        plain = words(raw)
        if all(index.is_known(w) for w in plain) or not is_qwerty(raw):
            repaired[number] = (plain, "plain")
            continue
        swapped = words(fold(swap_to_ru(raw)))
        if majority == "layout" or (majority == "plain" and _share_known(index, swapped) == 1):
            repaired[number] = (swapped, "layout")
        elif majority == "translit":
            repaired[number] = ([translit_variants(w)[0] for w in plain], "translit")
        else:
            repaired[number] = (plain, "plain")
    return repaired


# --- step 2: each word → index terms with a similarity (exact, prefix, typo) ---------------------


def _fuzzy_words(index: SearchIndex, word: str, budget: int | None = None) -> list[tuple[str, int]]:
    """Vocabulary words (content and synonyms) within the typo budget, closest first."""
    budget = typo_budget(len(word)) if budget is None else budget
    if budget == 0:
        return []
    found = []
    for length in range(max(1, len(word) - budget), len(word) + budget + 1):
        choices = index.words_by_len.get(length)
        if choices:
            found += [(w, int(d)) for w, d, _ in process.extract(
                word, choices, scorer=OSA.distance, score_cutoff=budget, limit=None
            )]
    found.sort(key=lambda item: (item[1], -index.word_df.get(item[0], 0)))
    return found


def _fuzzy_stem_prefixes(index: SearchIndex, word: str) -> list[tuple[str, int]]:
    """Stems that match the start of a mistyped word (a typo in the root plus any ending)."""
    found = []
    for length in range(max(ONE_TYPO_FROM + 1, len(word) - 5), len(word)):
        choices = index.stems_by_len.get(length)
        budget = typo_budget(length)
        if choices and budget:
            found += [(s, int(d)) for s, d, _ in process.extract(
                word[:length], choices, scorer=OSA.distance, score_cutoff=budget, limit=None
            )]
    return found


def _closest_form(index: SearchIndex, term: str, word: str) -> str:
    forms = index.forms.get(term) or [term]
    return min(forms, key=lambda f: (OSA.distance(f, word), -index.word_df.get(f, 0)))


def _resolve(index: SearchIndex, word: str, last: bool, exact: bool = False) -> _Word:
    """Match one query word against the index, correcting it when it is unknown (unless exact)."""
    terms: Terms = {}
    term = stem(word)
    if term in index.postings:
        terms[term] = 1.0
    if "lemmas" in index.components and is_cyrillic(word) and is_dictionary_word(word):
        # «сняли» → снять, «лимиты» → лимит: the dictionary form reaches stems the stemmer splits.
        base = stem(lemma(word))
        if base != term and base in index.postings:
            terms.setdefault(base, 1.0)
    if last and len(word) >= MIN_PREFIX:
        for other in index.prefixed(word):
            terms.setdefault(index.surface[other], PREFIX_SIM)
        if not index.is_known(word):
            completions = index.syn_prefixed(word)
            if completions:
                return _Word(min(completions, key=len), word, last, terms)
    if exact or index.is_known(word) or terms:
        return _Word(word, word, last, terms)
    if "lemmas" in index.components and len(word) >= ONE_TYPO_FROM + 1 and is_dictionary_word(word):
        # A real Russian word the catalog does not use («арендовать», «моментов») is no typo of one it does.
        return _Word(word, word, last, terms)
    shown = word
    fixed = _fuzzy_words(index, word)
    for other, distance in fixed:
        sim = 1.0 - 0.2 * distance
        target = index.surface.get(other) or stem(other)
        if target in index.postings and terms.get(target, 0) < sim:
            terms[target] = sim
    for target, distance in _fuzzy_stem_prefixes(index, word):
        sim = 0.95 - 0.2 * distance
        if terms.get(target, 0) < sim:
            terms[target] = sim
    if fixed:
        shown = fixed[0][0]
        return _Word(shown, shown, last, terms)
    if terms:
        best = max(terms, key=lambda t: terms[t])
        shown = _closest_form(index, best, word)
    return _Word(shown, shown, last, terms)


# --- step 3: synonym groups; each group counts once ---------------------------------------------


def _exact_terms(index: SearchIndex, phrase: tuple[str, ...]) -> Alternative:
    stems = [stem(w) for w in phrase if w not in GENERAL_WORDS]
    return [{s: SYNONYM_SIM} if s in index.postings else {} for s in stems]


def _groups(index: SearchIndex, ws: list[_Word]) -> list[list[Alternative]]:
    content = [w for w in ws if w.text not in GENERAL_WORDS]
    groups: list[list[Alternative]] = []
    position = 0
    while position < len(content):
        for length in range(min(index.syn_max_len, len(content) - position), 0, -1):
            chunk = content[position:position + length]
            key = tuple(stem(w.text) for w in chunk)
            numbers = index.syn_index.get(key)
            if numbers:
                alternatives: list[Alternative] = [[w.terms for w in chunk]]
                for number in numbers:
                    for phrase in index.synonyms.groups[number]:
                        alternative = _exact_terms(index, phrase)
                        if any(alternative):
                            alternatives.append(alternative)
                groups.append(alternatives)
                position += length
                break
        else:
            groups.append([[content[position].terms]])
            position += 1
    return groups


# --- step 4: BM25F scoring and re-ranking -------------------------------------------------------


def _alternative_scores(index: SearchIndex, alternative: Alternative) -> dict[int, float]:
    total: dict[int, float] = {}
    for terms in alternative:
        best: dict[int, float] = {}
        for term, sim in terms.items():
            for number, weight in index.postings.get(term, {}).items():
                value = sim * weight
                if value > best.get(number, 0.0):
                    best[number] = value
        for number, value in best.items():
            total[number] = total.get(number, 0.0) + value / len(alternative)
    return total


def _score(index: SearchIndex, groups: list[list[Alternative]]) -> tuple[dict[int, float], dict[int, int]]:
    scores: dict[int, float] = {}
    matched: dict[int, int] = {}
    for alternatives in groups:
        best: dict[int, float] = {}
        for alternative in alternatives:
            for number, value in _alternative_scores(index, alternative).items():
                if value > best.get(number, 0.0):
                    best[number] = value
        weight = idf(len(best), len(index.docs))
        for number, value in best.items():
            scores[number] = scores.get(number, 0.0) + weight * value
            matched[number] = matched.get(number, 0) + 1
    return scores, matched


def _similarity(text: str, phrase: str) -> float:
    """How closely the whole query reads like a title or tag (0..1); extra words in either cost a little."""
    return (fuzz.token_set_ratio(text, phrase) + fuzz.token_sort_ratio(text, phrase)) / 200


def _rerank(index: SearchIndex, scores: dict[int, float], matched: dict[int, int], n_groups: int,
            text: str) -> dict[int, float]:
    final: dict[int, float] = {}
    by_kind: dict[str, list[int]] = {}
    for number in sorted(scores, key=lambda n: -scores[n]):
        by_kind.setdefault(index.docs[number].kind, []).append(number)
    for numbers in by_kind.values():
        for number in numbers[:RERANK_DEPTH]:
            doc = index.docs[number]
            similarity = max(_similarity(text, phrase) for phrase in doc.phrases)
            coverage = matched[number] / n_groups if n_groups else 0.0
            final[number] = scores[number] * (0.5 + 0.5 * coverage) + RERANK_WEIGHT * similarity
    return final


# --- the public entry ---------------------------------------------------------------------------


def _confident(hits: list[Hit]) -> bool:
    """The best hit at least CONFIDENT_RATIO times the next one (a topic's own category is no rival)."""
    if not hits:
        return False
    top = hits[0]
    for other in hits[1:]:
        if _parent_and_child(top, other):
            continue
        return top.score >= CONFIDENT_RATIO * other.score
    return True


def _parent_and_child(one: Hit, other: Hit) -> bool:
    pair = {type(one), type(other)}
    return pair == {TopicHit, CategoryHit} and one.category.slug == other.category.slug


def _fuse(index: SearchIndex, final: dict[int, float], lemmas: list[str],
          prior: Mapping[str, float] | None) -> dict[int, float]:
    """Add the classifier, the intent cues and the prior to the topics' BM25F scores."""
    scores = index.classifier.scores(lemmas) if index.classifier else {}
    intended = index.intents.topics(lemmas) if index.intents else {}
    if not (scores or intended or prior):
        return final
    scale = max(final.values(), default=0.0) or 1.0
    best = max(scores.values(), default=0.0) or 1.0
    fused = dict(final)
    for key, number, category_number in index.topic_refs:
        bonus = CATEGORY_WEIGHT * final.get(category_number, 0.0) / scale
        score = scores.get(key)
        if score is not None and score >= CLS_MIN:
            bonus += CLS_WEIGHT * score + CLS_RELATIVE_WEIGHT * score / best
        if key in intended:
            bonus += INTENT_WEIGHT * intended[key]
        if prior and key in prior:
            bonus += PRIOR_WEIGHT * min(max(float(prior[key]), 0.0), 1.0)
        if bonus:
            fused[number] = fused.get(number, 0.0) + scale * bonus
    return fused


def query(index: SearchIndex, text: str, limit: int = 5, *, exact: bool = False,
          prior: Mapping[str, float] | None = None) -> SearchResult:
    """Search the catalog: best topics, articles and categories for what the customer typed.

    exact=True searches the words as typed: no layout, transliteration or typo repair.
    prior: topic key («category/topic») → 0..1, learnt from what customers filed after this phrase.
    """
    original = (text or "")[:MAX_QUERY_LENGTH]
    folded = fold(original)
    raw_tokens = folded.split()[:MAX_TOKENS]
    if not raw_tokens:
        return SearchResult(query=original)
    typing = not folded[-1:].isspace()
    repaired = [(words(raw), "plain") for raw in raw_tokens] if exact else _repair(index, raw_tokens)
    flat = [w for ws, _ in repaired for w in ws]
    resolved = [_resolve(index, w, typing and i == len(flat) - 1, exact) for i, w in enumerate(flat)]
    shown = " ".join(w.shown for w in resolved)
    plain = " ".join(w for raw in raw_tokens for w in words(raw))
    corrected = shown if shown != plain and shown else None
    groups = _groups(index, resolved)
    scores, matched = _score(index, groups)
    final = _rerank(index, scores, matched, len(groups), " ".join(w.text for w in resolved))
    # The floor follows the words' own evidence: the fusion lifts topics only, and an article that matches
    # the words as well as before must not fall under a floor the topics' bonus raised.
    floor = MIN_SHARE * max(final.values(), default=0.0)
    final = _fuse(index, final, [lemma(w.text) for w in resolved], prior)
    return _result(index, original, corrected, final, limit, floor)


def _result(index: SearchIndex, original: str, corrected: str | None, final: dict[int, float],
            limit: int, floor: float) -> SearchResult:
    ranked = sorted(final, key=lambda n: (-final[n], n))
    categories: list[CategoryHit] = []
    topics: list[TopicHit] = []
    articles: list[ArticleHit] = []
    for number in ranked:
        score = final[number]
        if score < floor:
            break
        doc = index.docs[number]
        if isinstance(doc.ref, Topic) and doc.category is not None and len(topics) < limit:
            topics.append(TopicHit(doc.ref, doc.category, score))
        elif isinstance(doc.ref, Article) and len(articles) < limit:
            articles.append(ArticleHit(doc.ref, score))
        elif isinstance(doc.ref, Category) and len(categories) < limit:
            categories.append(CategoryHit(doc.ref, score))
    result = SearchResult(original, corrected, False, categories, topics, articles)
    return SearchResult(original, corrected, _confident(result.hits), categories, topics, articles)
