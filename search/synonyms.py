"""The synonym groups support staff edit in content/synonyms.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.catalog import ContentError
from search.text import STOP_WORDS
from search.text import stem
from search.text import tokens

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Synonyms:
    """Groups of equivalent phrases; each phrase is kept as its words and as its stems."""

    groups: tuple[tuple[Phrase, ...], ...] = ()

    def by_stems(self) -> dict[Phrase, list[int]]:
        """Stem sequence of every phrase → the groups it belongs to."""
        index: dict[Phrase, list[int]] = {}
        for number, group in enumerate(self.groups):
            for phrase in group:
                index.setdefault(phrase_stems(phrase), []).append(number)
        return index

    def words(self) -> set[str]:
        return {word for group in self.groups for phrase in group for word in phrase}


def phrase_stems(phrase: Phrase) -> Phrase:
    """Stems of a phrase without its stop words (so «уйти в минус» matches «уйти минус»)."""
    return tuple(stem(w) for w in phrase if w not in STOP_WORDS) or tuple(stem(w) for w in phrase)


def parse_synonyms(raw: object, where: str = "synonyms.yaml") -> Synonyms:
    """Check and convert the YAML structure; raise ContentError listing every problem."""
    problems: list[str] = []
    entries = raw.get("groups") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise ContentError([f"{where}: нужен список 'groups'"])
    groups = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, list) or not all(isinstance(item, str) for item in entry):
            problems.append(f"{where}: группа #{number} должна быть списком строк")
            continue
        phrases = tuple(dict.fromkeys(p for p in (tuple(tokens(item)) for item in entry) if p))
        if len(phrases) < 2:
            problems.append(f"{where}: в группе #{number} меньше двух разных вариантов")
            continue
        groups.append(phrases)
    if problems:
        raise ContentError(problems)
    return Synonyms(tuple(groups))


def load_synonyms(path: Path | None) -> Synonyms:
    """Read the synonym file; a missing file means no synonyms."""
    if path is None or not Path(path).exists():
        return Synonyms()
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError([f"{Path(path).name}: не читается: {exc}"]) from exc
    return parse_synonyms(raw, Path(path).name)
