"""Lemmas (pymorphy3, beside the Snowball stemmer) and splitting of words typed without spaces."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from search.text import is_cyrillic

# Pieces shorter than this are accepted only when they are one of these function words.
MIN_PIECE = 3
SHORT_PIECES = frozenset(("не", "по", "на", "из", "за", "до", "от", "в", "с", "к", "у", "и", "о"))
MIN_SEGMENTED = 8
MAX_SEGMENTED = 40

_analyzer = None


def analyzer():
    """The pymorphy3 analyzer, loaded on first use (about 0.1 s and 15 MB, once per process)."""
    global _analyzer
    if _analyzer is None:
        import pymorphy3

        _analyzer = pymorphy3.MorphAnalyzer(lang="ru")
    return _analyzer


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """Dictionary form of a folded Cyrillic word (ё folded); other words stay as they are."""
    if not is_cyrillic(word) or len(word) < 3:
        return word
    return analyzer().parse(word)[0].normal_form.replace("ё", "е")


@lru_cache(maxsize=65536)
def is_dictionary_word(word: str) -> bool:
    """A Russian word the morphological dictionary knows (not a guess from its ending)."""
    return is_cyrillic(word) and analyzer().word_is_known(word)


def segment(word: str, known: Callable[[str], bool]) -> list[str] | None:
    """Split a run-together word into the fewest pieces; `known` pieces cost less than dictionary ones.

    «кредитныйлимитувеличить» → [кредитный, лимит, увеличить]. None when no split into two or more
    acceptable pieces exists.
    """
    n = len(word)
    if n < MIN_SEGMENTED or n > MAX_SEGMENTED:
        return None
    best: list[tuple[float, int] | None] = [None] * (n + 1)
    best[0] = (0.0, 0)
    for end in range(1, n + 1):
        for start in range(max(0, end - 20), end):
            if best[start] is None:
                continue
            piece = word[start:end]
            cost = _piece_cost(piece, known)
            if cost is None:
                continue
            total = best[start][0] + cost
            if best[end] is None or total < best[end][0]:
                best[end] = (total, start)
    if best[n] is None:
        return None
    pieces = []
    end = n
    while end > 0:
        start = best[end][1]
        pieces.append(word[start:end])
        end = start
    pieces.reverse()
    return pieces if len(pieces) > 1 else None


def _piece_cost(piece: str, known: Callable[[str], bool]) -> float | None:
    if len(piece) < MIN_PIECE:
        if piece in SHORT_PIECES:
            return 1.2
        return 1.5 if len(piece) == 2 and known(piece) else None
    if known(piece):
        return 1.0
    return 1.6 if len(piece) >= 4 and is_dictionary_word(piece) else None
