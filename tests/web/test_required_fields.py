"""Required fields that make sense: the telephony form takes a call ID or a campaign task ID."""

from __future__ import annotations

import re
import shutil

import pytest

from extensions import db
from kb.catalog import ContentError
from kb.catalog import load_catalog
from tests.web.test_search_api import ROOT
from tickets.models import Ticket

TELEPHONY_FORMS = [
    "/c/telefoniya-i-zvonki/problemy-s-telefoniej", "/c/twin/problema-s-telefoniej",
    "/c/globaltelekom/oshibka-v-telefonii",
]
EITHER = "Заполните хотя бы одно из полей: «Идентификатор задания на обзвон» или «Идентификатор звонка»"


def telephony_form(**overrides) -> dict:
    data = {
        "submission_id": "sub-tel",
        "lk_number": "104527",
        "author_name": "Ирина, +7 916 000-00-00",
        "summary": "Обзвон не запускается",
        "description": "Создали задание на обзвон утром, нажали «Запустить», статус не меняется, звонков нет.",
    }
    data.update(overrides)
    return data


def field_block(html: str, key: str) -> str:
    start = html.index(f'id="field-{key}"')
    return html[start:html.index('<div class="field', start + 1)]


@pytest.mark.parametrize("url", TELEPHONY_FORMS)
def test_neither_id_is_422_with_the_message_beside_both(logged_in, url):
    response = logged_in.post(url, data=telephony_form())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for key in ("campaign_id", "call_id"):
        block = field_block(html, key)
        assert EITHER in block and 'aria-invalid="true"' in block
    assert 'value="Обзвон не запускается"' in html
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0


def test_a_campaign_that_does_not_start_is_filed_with_its_task_id_alone(logged_in):
    response = logged_in.post(TELEPHONY_FORMS[0], data=telephony_form(campaign_id="7788"))
    assert response.status_code == 303
    ticket = db.session.scalar(db.select(Ticket))
    assert "7788" in logged_in.get(f"/requests/{ticket.id}").get_data(as_text=True)


def test_a_dropped_call_is_filed_with_its_call_id_alone(logged_in):
    assert logged_in.post(TELEPHONY_FORMS[1], data=telephony_form(call_id="5012345")).status_code == 303


def test_a_wrong_id_is_still_checked(logged_in):
    html = logged_in.post(TELEPHONY_FORMS[0], data=telephony_form(campaign_id="не знаю")).get_data(as_text=True)
    assert EITHER not in html and "Идентификатор задания на обзвон — это число или код" in html


def test_the_form_asks_for_the_campaign_first_and_says_either_will_do(logged_in):
    html = logged_in.get(TELEPHONY_FORMS[0]).get_data(as_text=True)
    assert html.index('id="field-campaign_id"') < html.index('id="field-call_id"')
    assert "(или «Идентификатор звонка»)" in field_block(html, "campaign_id")
    assert "(или «Идентификатор задания на обзвон»)" in field_block(html, "call_id")
    assert "(необязательно)" not in field_block(html, "call_id")


def test_live_validation_of_one_field_names_the_other(logged_in):
    response = logged_in.post(TELEPHONY_FORMS[0] + "?validate=1", data=telephony_form())
    assert response.status_code == 200 and EITHER in response.get_data(as_text=True)


def test_field_help_of_the_search_follows_the_either_fields(client):
    html = client.get("/search", query_string={"q": "не работает обзвон"}).get_data(as_text=True)
    found = re.findall(r'<span class="s-kind">Понадобится для формы</span> <span class="s-title">([^<]+)', html)
    assert found == ["Где найти идентификатор задания на обзвон", "Где найти идентификатор звонка"]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("    - {field: call_id, one_of: call_or_campaign}\n", "", "в группе one_of 'call_or_campaign' нужно хотя бы два"),
        ("{field: call_id, one_of: call_or_campaign}", "{field: call_id, one_of: call_or_campaign, required: true}",
         "one_of — имя группы, без required"),
    ],
)
def test_a_broken_one_of_group_is_reported(tmp_path, old, new, problem):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / "fields.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_catalog(content)
    assert any(problem in p for p in info.value.problems), info.value.problems
