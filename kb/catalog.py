"""Request catalog and help articles loaded from the content folder."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml

from kb.markdown import render_markdown

PRIORITIES = ("high", "normal", "low")
FORMATS = ("digits", "id", "phone_list", "sender_name", "text", "textarea", "choice")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SVG_NS = "http://www.w3.org/2000/svg"
# Plain drawing elements only: icons are inlined into pages, so nothing that runs or loads.
SVG_SHAPES = frozenset({"svg", "g", "path", "circle", "ellipse", "rect", "line", "polyline", "polygon"})
FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)


class ContentError(Exception):
    """The content folder has problems; `problems` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str
    format: str
    hint: str = ""
    help: str | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicField:
    field: FieldDef
    required: bool = True
    # Fields sharing a one_of name in a fieldset: at least one of them must be filled.
    one_of: str = ""


@dataclass(frozen=True)
class Topic:
    category_slug: str
    slug: str
    title: str
    description: str
    priority: str
    fieldset: str
    fields: tuple[TopicField, ...]
    tags: tuple[str, ...] = ()
    need: str = ""

    @property
    def key(self) -> str:
        return f"{self.category_slug}/{self.slug}"


@dataclass(frozen=True)
class Need:
    """One customer need offered in several categories, and how to choose between them."""

    slug: str
    choose: str


@dataclass(frozen=True)
class Category:
    slug: str
    title: str
    icon: str
    summary: str
    topics: tuple[Topic, ...]
    tags: tuple[str, ...] = ()

    def topic(self, slug: str) -> Topic | None:
        return next((t for t in self.topics if t.slug == slug), None)


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    kind: str
    summary: str
    body: str
    html: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Intent:
    """What a phrasing means by its verb or mood (a wish, an outage, a goodbye) and the topics it points to."""

    name: str
    topics: tuple[str, ...]
    cues: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class Catalog:
    categories: tuple[Category, ...]
    articles: dict[str, Article]
    fields: dict[str, FieldDef]
    revision: str = ""
    icons: dict[str, str] = field(default_factory=dict)
    # Topic key → phrasings as customers write them (examples.yaml); intent cues (intents.yaml).
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict)
    intents: tuple[Intent, ...] = ()
    needs: dict[str, Need] = field(default_factory=dict)
    _by_slug: dict[str, Category] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_slug.update({c.slug: c for c in self.categories})

    def category(self, slug: str) -> Category | None:
        return self._by_slug.get(slug)

    def topic(self, category_slug: str, topic_slug: str) -> Topic | None:
        category = self.category(category_slug)
        return category.topic(topic_slug) if category else None

    def topics(self) -> list[Topic]:
        return [t for c in self.categories for t in c.topics]

    def need_of(self, topic: Topic) -> Need | None:
        return self.needs.get(topic.need) if topic.need else None

    def same_need(self, topic: Topic) -> list[Topic]:
        """The topics of the topic's need in catalog order; just the topic when it has no need."""
        if not topic.need:
            return [topic]
        return [t for t in self.topics() if t.need == topic.need]

    def article(self, slug: str) -> Article | None:
        return self.articles.get(slug)

    def articles_of_kind(self, kind: str) -> list[Article]:
        return [a for a in self.articles.values() if a.kind == kind]

    def field_help(self, topic: Topic) -> list[Article]:
        """Help articles for the IDs the topic's form asks for, required (or one-of) fields first."""
        ordered = sorted(topic.fields, key=lambda f: not (f.required or f.one_of))
        slugs = dict.fromkeys(f.field.help for f in ordered if f.field.help)
        return [self.articles[slug] for slug in slugs if slug in self.articles]


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path.name}: не читается: {exc}")
        return None


def _str(data: dict, key: str, where: str, problems: list[str], required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: поле '{key}' должно быть непустой строкой")
        return ""
    return value.strip()


def _tags(data: dict, where: str, problems: list[str]) -> tuple[str, ...]:
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        problems.append(f"{where}: 'tags' должно быть списком строк")
        return ()
    return tuple(t.strip() for t in tags)


def _slug(data: dict, where: str, problems: list[str]) -> str:
    slug = _str(data, "slug", where, problems)
    if slug and not SLUG_RE.match(slug):
        problems.append(f"{where}: slug '{slug}' — только латиница, цифры и дефисы")
    return slug


def _load_fields(raw: Any, problems: list[str]) -> tuple[dict[str, FieldDef], dict[str, Any]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), dict):
        problems.append("fields.yaml: нужен раздел 'fields'")
        return {}, {}
    fields: dict[str, FieldDef] = {}
    for key, spec in raw["fields"].items():
        where = f"fields.yaml: поле {key}"
        if not isinstance(spec, dict):
            problems.append(f"{where}: описание должно быть словарем")
            continue
        fmt = spec.get("format")
        if fmt not in FORMATS:
            problems.append(f"{where}: format '{fmt}' не из {', '.join(FORMATS)}")
        choices = tuple(spec.get("choices") or ())
        if fmt == "choice" and not choices:
            problems.append(f"{where}: для format choice нужен список 'choices'")
        fields[key] = FieldDef(
            key=key,
            label=_str(spec, "label", where, problems),
            format=str(fmt),
            hint=_str(spec, "hint", where, problems, required=False),
            help=spec.get("help"),
            max_length=spec.get("max_length"),
            choices=choices,
        )
    fieldsets = raw.get("fieldsets")
    if not isinstance(fieldsets, dict):
        problems.append("fields.yaml: нужен раздел 'fieldsets'")
        fieldsets = {}
    return fields, fieldsets


def _resolve_fieldset(
    name: str, fieldsets: dict[str, Any], fields: dict[str, FieldDef], where: str, problems: list[str]
) -> tuple[TopicField, ...]:
    if name not in fieldsets:
        problems.append(f"{where}: набор полей '{name}' не описан в fields.yaml")
        return ()
    resolved = []
    for entry in fieldsets[name] or []:
        key = entry.get("field") if isinstance(entry, dict) else None
        if key not in fields:
            problems.append(f"fields.yaml: набор '{name}' ссылается на неизвестное поле '{key}'")
            continue
        one_of = entry.get("one_of") or ""
        if not isinstance(one_of, str) or (one_of and entry.get("required")):
            problems.append(f"fields.yaml: набор '{name}', поле {key}: one_of — имя группы, без required")
            one_of = ""
        required = bool(entry.get("required", True)) and not one_of
        resolved.append(TopicField(field=fields[key], required=required, one_of=one_of))
    groups = [f.one_of for f in resolved if f.one_of]
    for group in dict.fromkeys(groups):
        if groups.count(group) < 2:
            problems.append(f"fields.yaml: набор '{name}': в группе one_of '{group}' нужно хотя бы два поля")
    return tuple(resolved)


def _load_needs(raw: Any, problems: list[str]) -> dict[str, Need]:
    needs: dict[str, Need] = {}
    spec = raw.get("needs") if isinstance(raw, dict) else None
    if spec is None:
        return needs
    if not isinstance(spec, dict):
        problems.append("catalog.yaml: 'needs' должен быть словарем: slug → {choose: ...}")
        return needs
    for slug, body in spec.items():
        where = f"catalog.yaml: потребность {slug}"
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            problems.append(f"{where}: slug — только латиница, цифры и дефисы")
        needs[str(slug)] = Need(slug=str(slug), choose=_str(body if isinstance(body, dict) else {}, "choose",
                                                             where, problems))
    return needs


def _check_needs(needs: dict[str, Need], categories: tuple[Category, ...], problems: list[str]) -> None:
    """Every need used by topics of at least two categories, one topic per category; no unknown need."""
    members: dict[str, list[Topic]] = {slug: [] for slug in needs}
    for topic in (t for c in categories for t in c.topics if t.need):
        if topic.need not in needs:
            problems.append(f"catalog.yaml: {topic.key}: need '{topic.need}' не описан в разделе needs")
            continue
        members[topic.need].append(topic)
    for slug, topics in members.items():
        where = f"catalog.yaml: потребность {slug}"
        cats = [t.category_slug for t in topics]
        if len(set(cats)) < 2:
            problems.append(f"{where}: нужны темы хотя бы из двух категорий")
        for cat in sorted({c for c in cats if cats.count(c) > 1}):
            problems.append(f"{where}: в категории {cat} больше одной темы")


def _load_categories(
    raw: Any, fields: dict[str, FieldDef], fieldsets: dict[str, Any], problems: list[str]
) -> tuple[Category, ...]:
    if not isinstance(raw, dict) or not isinstance(raw.get("categories"), list):
        problems.append("catalog.yaml: нужен список 'categories'")
        return ()
    categories = []
    seen: set[str] = set()
    for index, cat in enumerate(raw["categories"]):
        where = f"catalog.yaml: категория #{index + 1}"
        if not isinstance(cat, dict):
            problems.append(f"{where}: должна быть словарем")
            continue
        slug = _slug(cat, where, problems)
        if slug in seen:
            problems.append(f"{where}: slug '{slug}' повторяется")
        seen.add(slug)
        topics = []
        topic_slugs: set[str] = set()
        for t_index, top in enumerate(cat.get("topics") or []):
            t_where = f"catalog.yaml: {slug}, тема #{t_index + 1}"
            if not isinstance(top, dict):
                problems.append(f"{t_where}: должна быть словарем")
                continue
            t_slug = _slug(top, t_where, problems)
            if t_slug in topic_slugs:
                problems.append(f"{t_where}: slug '{t_slug}' повторяется в категории")
            topic_slugs.add(t_slug)
            priority = top.get("priority", "normal")
            if priority not in PRIORITIES:
                problems.append(f"{t_where}: priority '{priority}' не из {', '.join(PRIORITIES)}")
            fieldset = _str(top, "fieldset", t_where, problems)
            topics.append(
                Topic(
                    category_slug=slug,
                    slug=t_slug,
                    title=_str(top, "title", t_where, problems),
                    description=_str(top, "description", t_where, problems),
                    priority=str(priority),
                    fieldset=fieldset,
                    fields=_resolve_fieldset(fieldset, fieldsets, fields, t_where, problems),
                    tags=_tags(top, t_where, problems),
                    need=_str(top, "need", t_where, problems, required=False),
                )
            )
        if not topics:
            problems.append(f"{where}: нет ни одной темы")
        categories.append(
            Category(
                slug=slug,
                title=_str(cat, "title", where, problems),
                icon=_str(cat, "icon", where, problems),
                summary=_str(cat, "summary", where, problems),
                topics=tuple(topics),
                tags=_tags(cat, where, problems),
            )
        )
    return tuple(categories)


def _topic_refs(refs: Any, categories: tuple[Category, ...], where: str, problems: list[str]) -> tuple[str, ...]:
    """Topic keys named by «slug» (that topic in every category) or «category/slug»."""
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
        problems.append(f"{where}: 'topics' должно быть непустым списком тем (slug или категория/slug)")
        return ()
    keys: list[str] = []
    for ref in refs:
        found = [t.key for c in categories for t in c.topics if ref in (t.slug, t.key)]
        if not found:
            problems.append(f"{where}: неизвестная тема '{ref}'")
        keys += found
    return tuple(dict.fromkeys(keys))


def _phrases(data: dict, key: str, where: str, problems: list[str]) -> tuple[str, ...]:
    items = data.get(key)
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
        problems.append(f"{where}: '{key}' должно быть непустым списком строк")
        return ()
    return tuple(i.strip() for i in items)


def _load_examples(raw: Any, categories: tuple[Category, ...], problems: list[str]) -> dict[str, tuple[str, ...]]:
    """examples.yaml: groups of topics with the phrasings customers use for them; a missing file is empty."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not isinstance(raw.get("examples"), list):
        problems.append("examples.yaml: нужен список 'examples'")
        return {}
    examples: dict[str, list[str]] = {}
    for number, entry in enumerate(raw["examples"], start=1):
        where = f"examples.yaml: группа #{number}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: должна быть словарем с 'topics' и 'phrases'")
            continue
        keys = _topic_refs(entry.get("topics"), categories, where, problems)
        for key in keys:
            examples.setdefault(key, []).extend(_phrases(entry, "phrases", where, problems))
    return {key: tuple(dict.fromkeys(items)) for key, items in examples.items()}


def _load_intents(raw: Any, categories: tuple[Category, ...], problems: list[str]) -> tuple[Intent, ...]:
    """intents.yaml: named intents, the topics they point to and their cue phrases; a missing file is empty."""
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not isinstance(raw.get("intents"), list):
        problems.append("intents.yaml: нужен список 'intents'")
        return ()
    intents = []
    for number, entry in enumerate(raw["intents"], start=1):
        where = f"intents.yaml: намерение #{number}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: должно быть словарем с 'name', 'topics' и 'cues'")
            continue
        name = _str(entry, "name", where, problems)
        weight = entry.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1:
            problems.append(f"{where}: 'weight' должно быть числом больше 0 и не больше 1")
            weight = 1.0
        intents.append(Intent(name, _topic_refs(entry.get("topics"), categories, where, problems),
                              _phrases(entry, "cues", where, problems), float(weight)))
    return tuple(intents)


def _read_optional_yaml(path: Path, problems: list[str]) -> Any:
    return _read_yaml(path, problems) if path.exists() else None


def parse_article(path: Path, problems: list[str]) -> Article | None:
    """Parse one Markdown article with YAML front matter."""
    where = f"articles/{path.name}"
    match = FRONT_MATTER_RE.match(path.read_text(encoding="utf-8"))
    if not match:
        problems.append(f"{where}: нет блока --- с заголовком статьи")
        return None
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        problems.append(f"{where}: заголовок статьи не читается: {exc}")
        return None
    if not isinstance(meta, dict):
        problems.append(f"{where}: заголовок статьи должен быть словарем")
        return None
    slug = path.stem
    if not SLUG_RE.match(slug):
        problems.append(f"{where}: имя файла — только латиница, цифры и дефисы")
    kind = meta.get("kind")
    if kind not in ("field", "guide"):
        problems.append(f"{where}: kind должен быть field или guide")
    body = match.group(2)
    if not body.strip():
        problems.append(f"{where}: пустой текст статьи")
    return Article(
        slug=slug,
        title=_str(meta, "title", where, problems),
        kind=str(kind),
        summary=_str(meta, "summary", where, problems),
        body=body,
        html=render_markdown(body),
        tags=_tags(meta, where, problems),
    )


def content_revision(content_dir: Path) -> str:
    """Hash of every content file, so a reload can tell whether anything changed."""
    digest = hashlib.sha256()
    for path in sorted(content_dir.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(content_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_catalog(content_dir: Path) -> Catalog:
    """Load and check the whole content folder; raise ContentError listing every problem."""
    content_dir = Path(content_dir)
    problems: list[str] = []
    fields, fieldsets = _load_fields(_read_yaml(content_dir / "fields.yaml", problems), problems)
    raw_catalog = _read_yaml(content_dir / "catalog.yaml", problems)
    categories = _load_categories(raw_catalog, fields, fieldsets, problems)
    needs = _load_needs(raw_catalog, problems)
    _check_needs(needs, categories, problems)
    articles: dict[str, Article] = {}
    for path in sorted((content_dir / "articles").glob("*.md")):
        article = parse_article(path, problems)
        if article:
            articles[article.slug] = article
    for f in fields.values():
        if f.help and f.help not in articles:
            problems.append(f"fields.yaml: поле {f.key} ссылается на неизвестную статью '{f.help}'")
    icons = {c.icon: load_icon(content_dir / "icons", c.icon, problems) for c in categories}
    examples = _load_examples(_read_optional_yaml(content_dir / "examples.yaml", problems), categories, problems)
    intents = _load_intents(_read_optional_yaml(content_dir / "intents.yaml", problems), categories, problems)
    if problems:
        raise ContentError(problems)
    return Catalog(
        categories=categories,
        articles=articles,
        fields=fields,
        revision=content_revision(content_dir),
        icons=icons,
        examples=examples,
        intents=intents,
        needs=needs,
    )


def load_icon(icons_dir: Path, name: str, problems: list[str]) -> str:
    """The SVG markup of a category icon, checked to be a plain drawing (it is inlined into pages)."""
    where = f"icons/{name}.svg"
    if not SLUG_RE.match(name):
        problems.append(f"catalog.yaml: icon '{name}' — имя файла из icons/ без .svg")
        return ""
    path = icons_dir / f"{name}.svg"
    if not path.is_file():
        problems.append(f"{where}: файла нет")
        return ""
    text = path.read_text(encoding="utf-8").strip()
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        problems.append(f"{where}: не читается как SVG: {exc}")
        return ""
    if root.tag != f"{{{SVG_NS}}}svg":
        problems.append(f"{where}: корневой элемент должен быть <svg> из {SVG_NS}")
    for element in root.iter():
        tag = element.tag.rpartition("}")[2]
        if tag not in SVG_SHAPES:
            problems.append(f"{where}: элемент <{tag}> не разрешен; можно {', '.join(sorted(SVG_SHAPES))}")
        bad = [a for a in element.attrib if a.lower().startswith("on") or a.rpartition("}")[2] == "href"]
        if bad:
            problems.append(f"{where}: атрибуты {', '.join(bad)} не разрешены")
    return text
