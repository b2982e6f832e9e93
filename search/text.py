"""Text normalisation for search: case, ё, tokens, stems, keyboard layout and transliteration."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

# A pasted complaint is searched whole; what is kept of it (search log, the filed request, learnt pairs)
# is its start.
MAX_QUERY_LENGTH = 1000
STORED_QUERY_LENGTH = 200

# Prepositions, conjunctions and pronouns only: generic lists also drop «не», «как», «где», «другой»,
# which carry meaning in support queries; IDF down-weights the rest.
STOP_WORDS = frozenset(
    (
        "в", "во", "на", "и", "а", "у", "меня", "мне", "мы", "нас", "наш", "нашей", "нашем", "наши", "с",
        "со", "по", "для", "к", "ко", "о", "об", "от", "до", "из", "за", "при", "это", "этот", "ли", "же",
        "бы", "то", "что", "чтобы", "вас", "вам", "ваш", "я", "он", "она", "они", "его", "ее", "их",
    )
)

# Words that never describe a problem on their own: typing «не» or «как» is not yet a question, and they
# are no evidence for a topic either («как» fills the how-to phrasings of every «Иное»).
GENERAL_WORDS = STOP_WORDS | frozenset((
    "не", "ни", "нет", "да", "но", "или", "как", "где", "когда", "почему", "зачем", "куда", "откуда", "кто",
    "чем", "какой", "какая", "какое", "какие", "так", "там", "тут", "уже", "еще", "все", "всё", "очень",
    "можно", "нужно", "надо", "без", "под", "над", "про", "через", "вы", "нам", "мой", "моя", "мое", "мои",
    "есть", "был", "была", "было", "были", "быть", "help", "the",
))
_WORD_RE = re.compile(r"[0-9a-zа-я]+")
# Latin words for transliteration keep the apostrophe, the usual spelling of ь («den'gi»).
_LATIN_WORD_RE = re.compile(r"[0-9a-z']*[0-9a-z]'?")
_CYRILLIC_RE = re.compile(r"[а-я]")
_LATIN_RE = re.compile(r"[a-z]")
# Anything that is not a letter, digit or plain punctuation: emoji, control and format characters.
_ODD_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")

_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~"
_RU = "йцукенгшщзхъфывапролджэячсмитьбюёЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ"
EN_TO_RU = str.maketrans(_EN, _RU)
RU_TO_EN = str.maketrans(_RU, _EN)
# A token typed with the Latin layout on consists of these keys only (letters and the punctuation keys).
QWERTY_KEYS = frozenset(_EN)

# Latin spelling of Russian sounds; several choices where customers spell one sound in several ways.
_TRANSLIT: dict[str, tuple[str, ...]] = {
    "shch": ("щ",), "sch": ("щ", "сч", "ск"), "tsh": ("ч",), "sh": ("ш",), "ch": ("ч",), "zh": ("ж",),
    "kh": ("х",), "ts": ("ц", "тс"), "tz": ("ц",), "ya": ("я",), "yu": ("ю",), "yo": ("е",),
    "ye": ("е", "ье"), "ja": ("я",), "ju": ("ю",), "jo": ("е",), "je": ("е",), "ia": ("ия", "я"),
    "iu": ("ию", "ю"), "ck": ("к",), "ph": ("ф",),
    "th": ("т",), "x": ("кс",), "a": ("а",), "b": ("б",), "c": ("ц", "к", "с"), "d": ("д",), "e": ("е", "э"),
    "f": ("ф",), "g": ("г",), "h": ("х",), "i": ("и", "й"), "j": ("й", "ж"), "k": ("к",), "l": ("л",),
    "m": ("м",), "n": ("н",), "o": ("о",), "p": ("п",), "q": ("к",), "r": ("р",), "s": ("с",), "t": ("т",),
    "u": ("у",), "v": ("в",), "w": ("в",), "y": ("ы", "й"), "z": ("з",), "'": ("ь",),
}
_TRANSLIT_KEYS = sorted(_TRANSLIT, key=len, reverse=True)
MAX_TRANSLIT_VARIANTS = 32

_stemmer = Stemmer.Stemmer("russian")


def fold(text: str) -> str:
    """NFKC, lower case, ё→е, odd characters removed; capped at what a query may be."""
    return fold_text(text[: MAX_QUERY_LENGTH * 2])[:MAX_QUERY_LENGTH]


def fold_text(text: str) -> str:
    """fold() without the cap, for the catalog's own texts."""
    text = unicodedata.normalize("NFKC", text)
    return _ODD_RE.sub(" ", text).lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """Letter/digit runs of already folded text."""
    return _WORD_RE.findall(text)


def latin_words(text: str) -> list[str]:
    """Latin words of folded text with their apostrophes, for transliteration."""
    return _LATIN_WORD_RE.findall(text)


def tokens(text: str) -> list[str]:
    """Fold then split into words."""
    return words(fold(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball stem of a Cyrillic word; Latin words and numbers stay as they are."""
    if _CYRILLIC_RE.search(word) and not _LATIN_RE.search(word):
        return _stemmer.stemWord(word)
    return word


def is_cyrillic(word: str) -> bool:
    return bool(_CYRILLIC_RE.search(word))


def is_qwerty(raw: str) -> bool:
    """True when a raw token could have been typed with the Latin layout and has a letter."""
    keys_only = all(ch in QWERTY_KEYS or ch.isdigit() for ch in raw)
    return bool(raw) and keys_only and bool(_LATIN_RE.search(raw.lower()))


def swap_to_ru(raw: str) -> str:
    return raw.translate(EN_TO_RU)


def swap_to_en(raw: str) -> str:
    return raw.translate(RU_TO_EN)


def translit_variants(word: str, limit: int = MAX_TRANSLIT_VARIANTS) -> list[str]:
    """Cyrillic readings of a Latin word, the likeliest first; every way to split it is tried."""
    # partial[i] holds readings of word[:i]; longer spellings ("shch", "ya") are tried before letters.
    partial: list[list[str]] = [[] for _ in range(len(word) + 1)]
    partial[0] = [""]
    for start in range(len(word)):
        if not partial[start]:
            continue
        keys = [k for k in _TRANSLIT_KEYS if word.startswith(k, start)] or [word[start]]
        for key in keys:
            end = start + len(key)
            for head in partial[start]:
                for option in _TRANSLIT.get(key, (key,)):
                    if len(partial[end]) < limit:
                        partial[end].append(head + option)
    return partial[len(word)]
