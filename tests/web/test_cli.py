"""The accounts and content CLI groups."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extensions import db
from tickets.models import User

CONTENT = Path(__file__).resolve().parents[2] / "content"


def test_create_company_prints_lk_number(runner):
    result = runner.invoke(args=["accounts", "create-company", "--name", "ООО Ромашка", "--email",
                                 "Group@Romashka.test", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User))
    assert user.email == "group@romashka.test"
    assert f"Номер ЛК: {user.company.lk_number}" in result.output


def test_one_account_per_email(runner, customer):
    result = runner.invoke(args=["accounts", "create-company", "--name", "Двойник", "--email", customer.email,
                                 "--password", "long-enough-1"])
    assert result.exit_code != 0
    assert "уже занят" in result.output


def test_create_agent_and_short_password(runner):
    ok = runner.invoke(args=["accounts", "create-agent", "--email", "a@twin.test", "--password", "long-enough-1"])
    assert ok.exit_code == 0
    short = runner.invoke(args=["accounts", "create-agent", "--email", "b@twin.test", "--password", "short"])
    assert short.exit_code != 0 and "не короче 8" in short.output


def test_demo_is_idempotent(runner):
    first = runner.invoke(args=["accounts", "demo"])
    second = runner.invoke(args=["accounts", "demo"])
    assert "demo@example.com / demo-password" in first.output and "Создана" in first.output
    assert "Создана" not in second.output
    assert db.session.scalar(db.select(db.func.count(User.id))) == 2


def test_content_validate_ok(runner):
    result = runner.invoke(args=["content", "validate"])
    assert result.exit_code == 0
    assert "11 категорий, 78 тем" in result.output


@pytest.fixture
def broken_content(app, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "articles" / "broken.md").write_text("без заголовка", encoding="utf-8")
    catalog = content / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("fieldset: sms_sender", "fieldset: ghost", 1),
                       encoding="utf-8")
    app.extensions["kb"].content_dir = content
    return content


def test_content_validate_lists_every_problem(runner, broken_content):
    result = runner.invoke(args=["content", "validate"])
    assert result.exit_code == 1
    assert "articles/broken.md" in result.output
    assert "набор полей 'ghost'" in result.output


def test_content_load_reloads_the_catalog(runner):
    result = runner.invoke(args=["content", "load"])
    assert result.exit_code == 0, result.output
    assert "Загружено: 78 тем" in result.output


def test_content_load_refuses_broken_content(app, runner, broken_content):
    before = app.extensions["kb"].catalog
    result = runner.invoke(args=["content", "load"])
    assert result.exit_code == 1
    assert app.extensions["kb"].catalog is before


def test_running_app_reloads_changed_content(app, client, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    holder = app.extensions["kb"]
    holder.content_dir = content
    holder.check_interval = 0
    article = content / "articles" / "nomer-lk.md"
    article.write_text(article.read_text(encoding="utf-8").replace("Где найти номер ЛК", "Где взять номер ЛК"),
                       encoding="utf-8")
    assert "Где взять номер ЛК" in client.get("/help/nomer-lk").get_data(as_text=True)
