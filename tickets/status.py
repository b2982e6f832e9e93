"""Request statuses, their Russian names and the transitions allowed between them."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


CUSTOMER_LABELS: dict[Status, str] = {
    Status.NEW: "Новое — ждет специалиста",
    Status.IN_PROGRESS: "В работе у специалиста",
    Status.WAITING_CUSTOMER: "Ждет вашего ответа",
    Status.RESOLVED: "Решено",
    Status.CLOSED: "Закрыто",
    Status.REOPENED: "Возобновлено — ждет специалиста",
}

AGENT_LABELS: dict[Status, str] = {
    Status.NEW: "Новое",
    Status.IN_PROGRESS: "В работе",
    Status.WAITING_CUSTOMER: "Ждет клиента",
    Status.RESOLVED: "Решено",
    Status.CLOSED: "Закрыто",
    Status.REOPENED: "Возобновлено",
}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
    Status.WAITING_CUSTOMER: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
    Status.REOPENED: frozenset({Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
}

OPEN_STATUSES = frozenset({Status.NEW, Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.REOPENED})

PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}
PRIORITY_LABELS = {"high": "Высокий", "normal": "Обычный", "low": "Низкий"}


class WorkflowError(ValueError):
    """The change cannot be made; the message says why, in Russian."""


class TransitionError(WorkflowError):
    """A status change the workflow does not allow."""


def can_transition(current: str, target: str) -> bool:
    return Status(target) in TRANSITIONS[Status(current)]


def check_transition(current: str, target: str) -> None:
    if not can_transition(current, target):
        raise TransitionError(
            f"Нельзя перевести обращение из «{AGENT_LABELS[Status(current)]}» в «{AGENT_LABELS[Status(target)]}»"
        )
