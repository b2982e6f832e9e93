"""Property: no generated input, however hostile, makes any page or form answer HTTP 500 (bench/fuzz.py runs longer)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings

from tests.fuzzing import Portal
from tests.fuzzing import hostile_requests
from tests.fuzzing import request_targets

# Enough to cover every field of every target in `make test`; bench/fuzz.py draws tens of thousands.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
TARGETS = [t.name for t in request_targets("c", "t", ())]


@pytest.fixture
def portal(app):
    portal = Portal(app)
    yield portal
    portal.close()


@pytest.mark.parametrize("name", TARGETS)
def test_no_input_makes_a_500(portal, name):
    target = next(t for t in portal.targets if t.name == name)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(drawn=hostile_requests(target, portal.real_values(target)))
    def check(drawn):
        status = portal.send(target, drawn)
        assert status < 500 and not portal.errors, (status, portal.errors, drawn)

    check()
