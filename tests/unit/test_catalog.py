"""The content loader: the real catalog against the guide, and every kind of broken content."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kb.catalog import ContentError
from kb.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
GUIDE = ROOT / "tests" / "data" / "support-portal-guide.txt"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(CONTENT)


@pytest.fixture(scope="module")
def guide_sections() -> dict[str, str]:
    text = GUIDE.read_text(encoding="utf-8")
    parts = re.split(r"Темы обращения категории ", text)[1:]
    sections = {}
    for part in parts:
        title, _, body = part.partition("\n")
        sections[title.strip()] = squash(body.split("Информация")[0].split("Заполнение формы обращения")[0])
    return sections


def test_eleven_categories_and_78_topics(catalog):
    assert [c.title for c in catalog.categories] == [
        "Личный кабинет", "Бот и сценарии", "Телефония и звонки", "Чаты и рассылки", "Отчеты и аналитика",
        "Интеграции и API", "Панель оператора", "Финансовые вопросы", "Франшизы, Реселлеры, WhiteLabel",
        "TWIN", "ГлобалТелеком",
    ]
    assert len(catalog.topics()) == 78


def test_every_topic_is_spelled_as_the_guide_spells_it(catalog, guide_sections):
    assert set(guide_sections) == {c.title for c in catalog.categories}
    for category in catalog.categories:
        section = guide_sections[category.title]
        for topic in category.topics:
            assert squash(topic.title + topic.description) in section, topic.key
        # Same count: no topic of the guide is missing from the catalog.
        assert section.count(squash(category.topics[0].title)) >= 1


def test_category_summaries_come_from_the_guide(catalog):
    guide = squash(GUIDE.read_text(encoding="utf-8"))
    for category in catalog.categories:
        assert squash(f"{category.title}–{category.summary}") in guide, category.slug


def test_priority_follows_the_topic(catalog):
    for topic in catalog.topics():
        expected = {"Инцидент": "high", "Иное": "low"}.get(topic.title, "normal")
        assert topic.priority == expected, topic.key


def test_chat_problem_form_has_the_guide_fields(catalog):
    topic = catalog.topic("chaty-i-rassylki", "problema-s-chatami")
    assert [f.field.label for f in topic.fields] == ["Идентификатор чата", "Идентификатор диалога", "Канал коммуникации"]


def test_eight_field_articles(catalog):
    titles = sorted(a.title for a in catalog.articles_of_kind("field"))
    assert len(titles) == 8
    for fragment in ("идентификатор сценария", "идентификатор отчета", "идентификатор звонка", "идентификатор диалога",
                     "задания на обзвон", "идентификатор чата", "идентификатор компании", "номер лк"):
        assert any(fragment in t.lower() for t in titles), fragment


def test_every_category_has_an_inline_icon(catalog):
    for category in catalog.categories:
        assert catalog.icons[category.icon].startswith("<svg"), category.title


def test_markdown_is_rendered_safely(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "articles" / "evil.md").write_text(
        "---\ntitle: Зло\nkind: guide\nsummary: x\n---\n<script>alert(1)</script>\n[клик](javascript:alert(1))\n",
        encoding="utf-8",
    )
    html = load_catalog(content).article("evil").html
    assert "<script" not in html and "href=\"javascript" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("path", "old", "new", "problem"),
    [
        ("catalog.yaml", "fieldset: chat_problem", "fieldset: nope", "набор полей 'nope' не описан"),
        ("catalog.yaml", "slug: bot-i-scenarii", "slug: lichnyj-kabinet", "повторяется"),
        ("catalog.yaml", "        priority: high", "        priority: urgent", "priority 'urgent'"),
        ("catalog.yaml", "title: Проблема с чатами\n", "title: ''\n", "'title' должно быть непустой строкой"),
        ("fields.yaml", "help: identifikator-chata", "help: missing-article", "неизвестную статью 'missing-article'"),
        ("fields.yaml", "- {field: dialog_id}", "- {field: nothing}", "неизвестное поле 'nothing'"),
        ("fields.yaml", "format: sender_name", "format: magic", "format 'magic'"),
        ("articles/nomer-lk.md", "kind: field", "kind: blog", "kind должен быть field или guide"),
        ("articles/nomer-lk.md", "---\ntitle", "title", "нет блока ---"),
        ("catalog.yaml", "icon: bot", "icon: robot", "icons/robot.svg: файла нет"),
        ("icons/bot.svg", "<rect ", "<script>alert(1)</script><rect ", "элемент <script> не разрешен"),
        ("icons/bot.svg", "<rect ", '<rect onclick="alert(1)" ', "атрибуты onclick не разрешены"),
        ("icons/bot.svg", "<rect ", '<image href="http://x.test/a.png"/><rect ', "элемент <image> не разрешен"),
        ("icons/bot.svg", "</svg>", "", "не читается как SVG"),
        ("catalog.yaml", "need: sender-name", "need: no-such-need", "need 'no-such-need' не описан"),
        ("catalog.yaml", "        need: chat-problem\n", "", "потребность chat-problem: нужны темы хотя бы из двух"),
        ("catalog.yaml", "        fieldset: bot_error_chat\n", "        fieldset: bot_error_chat\n        need: chat-problem\n",
         "потребность chat-problem: в категории chaty-i-rassylki больше одной темы"),
        ("catalog.yaml", "  sender-name:\n    choose: \"", "  sender-name:\n    chose: \"", "'choose' должно быть непустой"),
    ],
)
def test_broken_content_is_reported(tmp_path, path, old, new, problem):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    target = content / path
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_catalog(content)
    assert any(problem in p for p in info.value.problems), info.value.problems


def test_all_problems_are_listed_at_once(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "articles" / "bad1.md").write_text("no front matter", encoding="utf-8")
    (content / "articles" / "bad2.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_catalog(content)
    assert len([p for p in info.value.problems if "bad1" in p or "bad2" in p]) >= 3


def test_a_topic_offered_in_several_categories_is_one_need(catalog):
    """Search shows one result per need: a topic slug repeated across categories must share one need."""
    by_slug: dict[str, list] = {}
    for topic in catalog.topics():
        by_slug.setdefault(topic.slug, []).append(topic)
    for slug, topics in by_slug.items():
        if len(topics) > 1:
            assert len({t.need for t in topics}) == 1 and topics[0].need, slug


def test_look_alike_telephony_topics_are_one_need(catalog):
    topic = catalog.topic("globaltelekom", "oshibka-v-telefonii")
    assert [t.key for t in catalog.same_need(topic)] == [
        "telefoniya-i-zvonki/problemy-s-telefoniej", "twin/problema-s-telefoniej", "globaltelekom/oshibka-v-telefonii"]
    assert "«Телефония и звонки»" in catalog.need_of(topic).choose
    alone = catalog.topic("finansovye-voprosy", "poteryalsya-platezh")
    assert catalog.same_need(alone) == [alone] and catalog.need_of(alone) is None
