"""Guard tests over every content file and every template."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.catalog import ContentError
from kb.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[2]
CONTENT_FILES = sorted(p.relative_to(ROOT / "content").as_posix() for p in (ROOT / "content").rglob("*") if p.is_file())
TEMPLATES = sorted(p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*.*"))


@pytest.fixture(scope="module")
def problems() -> list[str]:
    try:
        load_catalog(ROOT / "content")
    except ContentError as exc:
        return exc.problems
    return []


@pytest.mark.parametrize("name", CONTENT_FILES)
def test_content_file_is_valid(name, problems):
    stem = Path(name).name
    assert [p for p in problems if stem in p] == []


@pytest.mark.parametrize("name", [n for n in CONTENT_FILES if n.startswith("articles/")])
def test_article_renders_and_is_linked_from_help(client, name):
    slug = Path(name).stem
    html = client.get(f"/help/{slug}").get_data(as_text=True)
    assert "<article" in html and "&lt;" not in html.split("<article", 1)[1].split("</article>")[0]
    assert f'href="/help/{slug}"' in client.get("/help/").get_data(as_text=True)


def test_every_topic_fieldset_field_exists():
    catalog = load_catalog(ROOT / "content")
    for topic in catalog.topics():
        for topic_field in topic.fields:
            assert topic_field.field.key in catalog.fields
            if topic_field.field.help:
                assert catalog.article(topic_field.field.help) is not None


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_compiles(app, name):
    app.jinja_env.get_template(name)
