"""Flask wiring of the knowledge base: catalog loading, reloads and the `content` CLI."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask
from flask import current_app

from kb.catalog import Catalog
from kb.catalog import ContentError
from kb.catalog import content_revision
from kb.catalog import load_catalog

content_cli = click.Group("content", help="Проверка и загрузка содержимого портала.")


class CatalogHolder:
    """Holds the loaded catalog and reloads it when the content files change."""

    def __init__(self, content_dir: Path, check_interval: float) -> None:
        self.content_dir = content_dir
        self.check_interval = check_interval
        self.catalog: Catalog = load_catalog(content_dir)
        self._checked_at = time.monotonic()
        self._listeners: list = []

    def on_reload(self, callback) -> None:
        self._listeners.append(callback)
        callback(self.catalog)

    def reload(self) -> Catalog:
        self.catalog = load_catalog(self.content_dir)
        for callback in self._listeners:
            callback(self.catalog)
        return self.catalog

    def refresh_if_changed(self) -> None:
        now = time.monotonic()
        if self.check_interval < 0 or now - self._checked_at < self.check_interval:
            return
        self._checked_at = now
        try:
            if content_revision(self.content_dir) != self.catalog.revision:
                self.reload()
        except ContentError as exc:
            # Keep serving the last good catalog; the editor sees the problems via `content validate`.
            current_app.logger.error("content reload skipped:\n%s", exc)


def holder() -> CatalogHolder:
    return current_app.extensions["kb"]


def current_catalog() -> Catalog:
    """The catalog of the running app."""
    return holder().catalog


@content_cli.command("validate")
def validate_command() -> None:
    """Check every content file; exit non-zero listing each problem."""
    try:
        catalog = load_catalog(holder().content_dir)
    except ContentError as exc:
        raise click.ClickException("Ошибки в содержимом:\n" + "\n".join(f"- {p}" for p in exc.problems)) from exc
    click.echo(
        f"Содержимое в порядке: {len(catalog.categories)} категорий, {len(catalog.topics())} тем, "
        f"{len(catalog.articles)} статей."
    )


@content_cli.command("load")
def load_command() -> None:
    """Validate the content and load it into the running app."""
    try:
        catalog = holder().reload()
    except ContentError as exc:
        raise click.ClickException("Ошибки в содержимом:\n" + "\n".join(f"- {p}" for p in exc.problems)) from exc
    click.echo(f"Загружено: {len(catalog.topics())} тем, ревизия {catalog.revision}.")


def init_app(app: Flask) -> None:
    app.extensions["kb"] = CatalogHolder(
        Path(app.config["CONTENT_DIR"]), float(app.config["CONTENT_RELOAD_INTERVAL"])
    )
    app.before_request(lambda: holder().refresh_if_changed())
    app.cli.add_command(content_cli)
