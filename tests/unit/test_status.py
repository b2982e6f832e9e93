"""The status workflow: every transition allowed or refused in one table."""

from __future__ import annotations

import itertools

import pytest

from tickets.status import AGENT_LABELS
from tickets.status import CUSTOMER_LABELS
from tickets.status import OPEN_STATUSES
from tickets.status import TRANSITIONS
from tickets.status import Status
from tickets.status import TransitionError
from tickets.status import can_transition
from tickets.status import check_transition

# The lifecycle the portal promises, written out independently of TRANSITIONS.
EXPECTED = {
    ("new", "in_progress"), ("new", "waiting_customer"), ("new", "resolved"), ("new", "closed"),
    ("in_progress", "waiting_customer"), ("in_progress", "resolved"), ("in_progress", "closed"),
    ("waiting_customer", "in_progress"), ("waiting_customer", "resolved"), ("waiting_customer", "closed"),
    ("resolved", "closed"), ("resolved", "reopened"),
    ("closed", "reopened"),
    ("reopened", "in_progress"), ("reopened", "waiting_customer"), ("reopened", "resolved"),
    ("reopened", "closed"),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Status, Status)))
def test_every_pair_is_allowed_or_refused_as_promised(current, target):
    allowed = (current.value, target.value) in EXPECTED
    assert can_transition(current, target) is allowed
    if allowed:
        check_transition(current, target)
    else:
        with pytest.raises(TransitionError, match="Нельзя перевести обращение"):
            check_transition(current, target)


def test_table_covers_every_status():
    assert set(TRANSITIONS) == set(Status)


def test_every_status_has_both_labels():
    assert set(CUSTOMER_LABELS) == set(AGENT_LABELS) == set(Status)


def test_finished_statuses_are_not_open():
    assert Status.RESOLVED not in OPEN_STATUSES and Status.CLOSED not in OPEN_STATUSES
    assert OPEN_STATUSES | {Status.RESOLVED, Status.CLOSED} == set(Status)


def test_closed_request_can_only_be_reopened():
    assert TRANSITIONS[Status.CLOSED] == {Status.REOPENED}


def test_unknown_status_is_refused():
    with pytest.raises(ValueError):
        check_transition("new", "archived")
