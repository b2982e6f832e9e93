"""Inside the request form: articles suggested while typing, a switch to the clearly right topic, deflection counted."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from extensions import db
from search.deflection import ARTICLE_OPENED
from search.deflection import TOPIC_SWITCHED
from search.models import FormEvent
from tests.conftest import login
from tests.web.test_fragments import HX
from tests.web.test_fragments import assert_contract
from tests.web.test_request_filing import PNG
from tests.web.test_request_filing import URL
from tests.web.test_request_filing import good_form
from tickets.models import Attachment
from tickets.models import Ticket
from tickets.models import utcnow

DRAFT = URL + "/draft"
LIMIT = "/c/finansovye-voprosy/izmenenie-kreditnogo-limita"
HOW_TO = {"summary": "Где найти идентификатор чата", "description": "Не знаю, где взять идентификатор чата для формы",
          "submission_id": "sub-a"}
CREDIT = {"summary": "Просим увеличить кредитный лимит",
          "description": "Платеж задерживается, просим увеличить кредитный лимит на месяц, чтобы работать в минус"}


def article_links(html: str) -> list[str]:
    return re.findall(r'href="(/c/chaty-i-rassylki/problema-s-chatami/read/[^"]+)"', html)


def test_the_suggestions_region_is_live_and_labelled(logged_in):
    page = logged_in.get(URL).get_data(as_text=True)
    region = re.search(r'<div id="suggestions"[^>]*>', page).group(0)
    assert 'aria-live="polite"' in region and 'hx-post="' + DRAFT + '"' in region
    assert "input changed delay:500ms from:#summary" in region and "from:#description" in region
    assert ">Подсказать статьи</button>" in page and f'formaction="{DRAFT}"' in page


def test_suggestions_while_typing_are_a_fragment_with_at_most_three_articles(logged_in):
    response = logged_in.post(DRAFT, data=HOW_TO, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    links = article_links(html)
    assert 1 <= len(links) <= 3
    assert "/read/identifikator-chata?s=sub-a" in links[0].replace("&amp;", "&")
    assert "Похоже, это" not in html  # a question about this very topic's IDs


def test_the_suggestions_endpoint_keeps_the_fragment_contract(logged_in):
    assert_contract(logged_in, "POST", DRAFT, HOW_TO, '<div id="suggestions"')


def test_too_little_text_suggests_nothing(logged_in):
    html = logged_in.post(DRAFT, data={"summary": "ой"}, headers=HX).get_data(as_text=True)
    assert article_links(html) == [] and "Похоже, это" not in html


def test_without_javascript_the_button_renders_the_whole_form_with_suggestions_and_files(logged_in):
    data = good_form(**HOW_TO, author_name="")
    data["attachments"] = [(io.BytesIO(PNG), "скриншот.png")]
    response = logged_in.post(DRAFT, data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    assert "Проверьте форму" not in html and 'aria-invalid="true"' not in html
    assert 'value="Где найти идентификатор чата"' in html and article_links(html)
    kept = db.session.scalar(db.select(Attachment))
    assert kept.draft_key == "sub-a" and f'name="keep" value="{kept.id}" checked' in html


def test_a_failed_post_shows_the_suggestions_too(logged_in):
    response = logged_in.post(URL, data=good_form(**HOW_TO, author_name=""))
    assert response.status_code == 422 and article_links(response.get_data(as_text=True))


def test_text_of_another_topic_offers_the_switch_and_carries_everything(logged_in, customer):
    first = good_form(**CREDIT, submission_id="sub-s")
    first["attachments"] = [(io.BytesIO(PNG), "счет.png")]
    html = logged_in.post(DRAFT, data=first, content_type="multipart/form-data").get_data(as_text=True)
    switch = re.search(r'formaction="([^"]+)"[^>]*>Похоже, это «Изменение кредитного лимита» — перейти\?</button>', html)
    assert switch, html[html.find('id="suggestions"'):][:1500]
    target = switch.group(1).replace("&amp;", "&")
    assert target == f"{LIMIT}/draft?switch=chaty-i-rassylki/problema-s-chatami"
    kept = db.session.scalar(db.select(Attachment))

    moved = logged_in.post(target, data=good_form(**CREDIT, submission_id="sub-s", keep=str(kept.id),
                                                  search_phrase="кредитный лимит"))
    page = moved.get_data(as_text=True)
    assert moved.status_code == 200 and "<h1>Изменение кредитного лимита</h1>" in page
    assert "Проверьте форму" not in page
    for value in ('value="Просим увеличить кредитный лимит"', "работать в минус", 'value="104527"',
                  'value="Ирина, +7 916 000-00-00"', f'name="keep" value="{kept.id}" checked', "счет.png",
                  'name="search_phrase" type="hidden" value="кредитный лимит"', 'value="sub-s"'):
        assert value in page
    event = db.session.scalar(db.select(FormEvent))
    assert (event.kind, event.topic_key, event.target) == (
        TOPIC_SWITCHED, "chaty-i-rassylki/problema-s-chatami", "finansovye-voprosy/izmenenie-kreditnogo-limita")

    filed = logged_in.post(LIMIT, data={**good_form(**CREDIT, submission_id="sub-s", keep=str(kept.id)),
                                        "company_id": "104527"})
    assert filed.status_code == 303
    db.session.refresh(kept)
    assert kept.ticket_id is not None


def test_the_switch_through_htmx_swaps_the_whole_page(logged_in):
    html = logged_in.post(DRAFT, data=good_form(**CREDIT), headers=HX).get_data(as_text=True)
    assert 'hx-target="body"' in html and f'hx-push-url="{LIMIT}"' in html
    moved = logged_in.post(f"{LIMIT}/draft?switch=x/y", data=good_form(**CREDIT), headers=HX)
    assert "<html" in moved.get_data(as_text=True)


def test_a_draft_url_opened_directly_goes_to_the_form(logged_in):
    response = logged_in.get(DRAFT)
    assert response.status_code == 303 and response.location == URL


def test_opening_a_suggested_article_is_counted(logged_in):
    response = logged_in.get(URL + "/read/identifikator-chata", query_string={"s": "sub-a"})
    assert response.status_code == 302 and response.location == "/help/identifikator-chata"
    event = db.session.scalar(db.select(FormEvent))
    assert (event.kind, event.submission_id, event.target) == (ARTICLE_OPENED, "sub-a", "identifikator-chata")
    assert logged_in.get(URL + "/read/identifikator-chata", query_string={"s": "../bad id"}).status_code == 302
    assert db.session.scalar(db.select(db.func.count(FormEvent.id))) == 1
    assert logged_in.get(URL + "/read/net-takoj-stati").status_code == 404


def test_deflection_figures_on_the_console(client, customer, agent):
    login(client, customer.email)
    for submission in ("gone", "filed", "fresh"):
        client.get(URL + "/read/identifikator-chata", query_string={"s": submission})
    assert client.post(URL, data=good_form(submission_id="filed")).status_code == 303
    two_hours_ago = utcnow() - timedelta(hours=2)
    db.session.execute(db.update(FormEvent).where(FormEvent.submission_id != "fresh").values(created_at=two_hours_ago))
    db.session.execute(db.update(Ticket).values(created_at=two_hours_ago + timedelta(minutes=10)))
    db.session.commit()

    login(client, agent.email)
    page = client.get("/console/search/").get_data(as_text=True)
    for figure in ("Открыли статью: <strong>3</strong>", "Обращение не создано (отвлекли): <strong>1</strong>",
                   "Все же создали обращение: <strong>1</strong>", "Еще не ясно (меньше часа): <strong>1</strong>",
                   "Доля отвлеченных: <strong>50 %</strong>"):
        assert figure in page
    csv = client.get("/console/search/deflection?format=csv").get_data(as_text=True)
    assert "identifikator-chata;3;1" in csv
