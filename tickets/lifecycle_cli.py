"""CLI commands of the request lifecycle: auto-close, draft purge, mail delivery and the background worker."""

from __future__ import annotations

import imaplib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import click
from flask import current_app
from imap_tools.errors import ImapToolsError

from extensions import db
from tickets.autoclose import close_stale
from tickets.flask_glue import current_notifier
from tickets.flask_glue import current_policy
from tickets.flask_glue import current_store
from tickets.mail_fetch import fetch_round
from tickets.outbox import deliver_due
from tickets.service import purge_drafts
from tickets.storage import StoreUnavailable

log = logging.getLogger(__name__)

requests_cli = click.Group("requests", help="Жизненный цикл обращений.")
mail_cli = click.Group("mail", help="Отправка писем из очереди и прием ответов из почтового ящика.")


def _after_hours(after: int | None) -> int:
    return after if after is not None else current_policy().auto_close_hours


def _close_stale(hours: int) -> tuple[int, int]:
    return close_stale(hours, notifier=current_notifier())


@requests_cli.command("close-stale")
@click.option("--after", "after", type=click.IntRange(min=1), default=None, metavar="HOURS",
              help="Сколько часов обращение может ждать ответа клиента (по умолчанию 48).")
def close_stale_command(after: int | None) -> None:
    """Close requests left without the customer's answer and queue the 24 h reminders."""
    started = time.monotonic()
    closed, reminded = _close_stale(_after_hours(after))
    click.echo(f"Закрыто обращений: {closed}, напоминаний: {reminded} ({time.monotonic() - started:.1f} с)")


def _purge(hours: int | None = None) -> tuple[int, int]:
    hours = hours if hours is not None else current_policy().draft_ttl_hours
    return purge_drafts(current_store(), datetime.now(UTC) - timedelta(hours=hours))


@requests_cli.command("purge-drafts")
@click.option("--older-than", "hours", type=click.IntRange(min=1), default=None, metavar="HOURS",
              help="Удалять неотправленные файлы старше стольких часов (по умолчанию DRAFT_TTL_HOURS, 24).")
def purge_drafts_command(hours: int | None) -> None:
    """Delete uploads never sent with a request or reply, and stray files in the store."""
    try:
        drafts, stray = _purge(hours)
    except StoreUnavailable as exc:
        raise click.ClickException(f"Хранилище файлов недоступно, попробуйте позже: {exc}") from exc
    click.echo(f"Удалено неотправленных файлов: {drafts}, лишних файлов в хранилище: {stray}")


def _send_round(batch: int) -> tuple[int, int]:
    sent = failed = 0
    while True:
        s, f = deliver_due(current_app.config, batch=batch)
        sent, failed = sent + s, failed + f
        # A failure ends the round: the next one comes after the back-off, not in a tight loop.
        if s + f < batch or f:
            return sent, failed


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Не выходить: проверять очередь снова и снова.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Пауза между проверками очереди, секунд (с --loop).")
@click.option("--batch", type=click.IntRange(min=1), default=50, show_default=True)
def send_command(loop: bool, interval: float, batch: int) -> None:
    """Deliver the queued mail that is due (SMTP, or .eml files without MAIL_SMTP_HOST)."""
    if not loop:
        sent, failed = _send_round(batch)
        click.echo(f"Отправлено писем: {sent}, не удалось: {failed}")
        return
    _forever(interval, lambda: _send_round(batch), [])


@mail_cli.command("fetch")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Писем за один проход.")
def fetch_command(limit: int) -> None:
    """Turn unseen mail in the support mailbox (MAIL_IMAP_*) into comments, bounces and records."""
    if not current_app.config.get("MAIL_IMAP_HOST"):
        raise click.ClickException("Почтовый ящик не настроен: задайте MAIL_IMAP_HOST, MAIL_IMAP_USER и MAIL_IMAP_PASSWORD")
    try:
        handled, failed = fetch_round(current_app.config, limit)
    except (ImapToolsError, imaplib.IMAP4.error, OSError) as exc:
        raise click.ClickException(f"Не удалось забрать почту: {exc}") from exc
    click.echo(f"Обработано писем: {handled}, с ошибкой: {failed}")


def _fetch() -> tuple[int, int]:
    return fetch_round(current_app.config)


@requests_cli.command("worker")
@click.option("--every", type=click.FloatRange(min=1), default=300.0, show_default=True,
              help="Как часто закрывать просроченные обращения, секунд.")
@click.option("--mail-interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Как часто отправлять письма, секунд.")
@click.option("--after", type=click.IntRange(min=1), default=None, metavar="HOURS",
              help="Сколько часов обращение может ждать ответа клиента (по умолчанию 48).")
@click.option("--purge-every", type=click.FloatRange(min=1), default=3600.0, show_default=True,
              help="Как часто удалять неотправленные файлы, секунд.")
@click.option("--fetch-every", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Как часто забирать письма из почтового ящика (если задан MAIL_IMAP_HOST), секунд.")
@click.option("--once", is_flag=True, help="Один проход и выход (для проверки).")
def worker_command(every: float, mail_interval: float, after: int | None, purge_every: float, fetch_every: float,
                   once: bool) -> None:
    """Run close-stale every few minutes, purge old drafts hourly and deliver mail in between, until stopped."""
    hours = _after_hours(after)
    if once:
        closed, reminded = _close_stale(hours)
        drafts, stray = _purge()
        _fetch()
        sent, failed = _send_round(50)
        click.echo(f"Закрыто: {closed}, напоминаний: {reminded}, отправлено писем: {sent}, не удалось: {failed}, "
                   f"удалено неотправленных файлов: {drafts + stray}")
        return
    click.echo(f"Обработчик запущен: закрытие каждые {every:g} с, почта каждые {mail_interval:g} с")
    jobs = [Periodic("close-stale", every, lambda: _close_stale(hours)), Periodic("purge-drafts", purge_every, _purge)]
    if current_app.config.get("MAIL_IMAP_HOST"):
        jobs.append(Periodic("mail fetch", fetch_every, _fetch))
    _forever(mail_interval, lambda: _send_round(50), jobs)


@dataclass
class Periodic:
    """A job of the worker run every `every` seconds, the first time at start."""

    name: str
    every: float
    step: Callable[[], object]
    due: float = field(default_factory=time.monotonic)

    def run_if_due(self) -> None:
        if time.monotonic() >= self.due:
            _guarded(self.step, self.name)
            self.due = time.monotonic() + self.every


def _forever(interval: float, mail_round: Callable[[], object], jobs: list[Periodic]) -> None:
    try:
        while True:
            for job in jobs:
                job.run_if_due()
            _guarded(mail_round, "mail send")
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("Остановлено.")


def _guarded(step: Callable[[], object], name: str) -> None:
    # A database or mail hiccup must not stop the background worker; the next round retries.
    try:
        result = step()
    except Exception:
        log.exception("%s failed", name)
        db.session.rollback()
    else:
        # Rounds that did something are logged (JSON with LOG_FORMAT=json); idle rounds stay quiet.
        if isinstance(result, tuple) and any(result):
            log.info("%s: %s", name, ", ".join(map(str, result)), extra={"job": name, "result": list(result)})
    finally:
        db.session.remove()
