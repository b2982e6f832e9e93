"""Learning from use, end to end: the searched phrase rides through the form, is recorded, and teaches the search."""

from __future__ import annotations

import pytest

from extensions import db
from search.models import RemovedPair
from tests.conftest import PASSWORD
from tests.conftest import login
from tests.web.test_request_filing import URL
from tests.web.test_request_filing import good_form
from tickets.models import Ticket

PHRASE = "рецепт борща"
TOPIC = "chaty-i-rassylki/problema-s-chatami"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SEARCH_LEARN_REFRESH_SECONDS": 0}


def _company(n: int):
    from tickets.accounts import create_company

    return create_company(f"ООО Компания {n}", f"it@company{n}.test", PASSWORD, lk_number=f"{500000 + n}")


def file_from_search(app, phrase: str, company_no: int) -> None:
    """One company searched `phrase`, opened the chat topic from the suggestion and filed the request."""
    user = _company(company_no)
    client = app.test_client()
    login(client, user.email)
    response = client.post(URL, data=good_form(submission_id=f"s-{company_no}", search_phrase=phrase,
                                               lk_number=user.company.lk_number))
    assert response.status_code == 303


def topics_for(client, q: str) -> list[str]:
    return [t["url"].split("?")[0] for t in client.get("/api/search", query_string={"q": q}).get_json()["topics"]]


def test_the_suggestion_phrase_is_kept_in_the_form(logged_in):
    page = logged_in.get(URL, query_string={"q": "бот молчит"}).get_data(as_text=True)
    assert 'name="search_phrase" type="hidden" value="бот молчит"' in page
    failed = logged_in.post(URL, data=good_form(search_phrase="бот молчит", summary="")).get_data(as_text=True)
    assert 'value="бот молчит"' in failed


def test_the_phrase_is_recorded_scrubbed_with_the_request(logged_in):
    logged_in.post(URL, data=good_form(search_phrase="Бот молчит, звоните +7 916 123-45-67 или ivan@romashka.ru"))
    ticket = db.session.scalar(db.select(Ticket))
    assert ticket.search_phrase == "бот молчит, звоните <phone> или <email>"
    assert ticket.category_slug + "/" + ticket.topic_slug == TOPIC


def test_a_request_not_from_a_search_records_no_phrase(logged_in):
    logged_in.post(URL, data=good_form())
    assert db.session.scalar(db.select(Ticket.search_phrase)) is None


def test_three_companies_teach_the_search_and_an_agent_can_unteach_it(app, client, agent):
    assert topics_for(client, PHRASE) == []
    file_from_search(app, PHRASE, 1)
    file_from_search(app, "Рецепт  БОРЩА", 2)
    assert topics_for(client, PHRASE) == [], "two companies are not enough"
    file_from_search(app, PHRASE, 3)
    assert topics_for(client, PHRASE) == [f"/c/{TOPIC}"]
    assert topics_for(client, "борща рецепт") == [f"/c/{TOPIC}"]

    login(client, agent.email)
    response = client.post("/console/search/pairs/remove", data={"phrase": PHRASE, "topic": TOPIC, "days": "7"})
    assert response.status_code == 303 and response.location == "/console/search/?days=7#pairs"
    assert db.session.scalar(db.select(RemovedPair.removed_by_id)) == agent.id
    assert topics_for(client, PHRASE) == []
    file_from_search(app, PHRASE, 4)
    assert topics_for(client, PHRASE) == [], "a removed pair never counts again"
    # Removing it twice is harmless.
    assert client.post("/console/search/pairs/remove", data={"phrase": PHRASE, "topic": TOPIC}).status_code == 303
