"""Chromium refuses to show the portal inside another site's frame (clickjacking)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_login_page_is_not_rendered_in_a_frame_of_another_origin(page_nojs: Page, live_server):
    page = page_nojs
    page.set_content(f'<iframe id="victim" src="{live_server.url}/login" width="600" height="400"></iframe>')
    # set_content waits for the load event, which waits for the frame: allowed, the form would be there now.
    frame = page.frame_locator("#victim")
    assert frame.get_by_role("button", name="Войти").count() == 0
