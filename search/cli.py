"""`flask search query|eval|report`: try the ranking, measure it on labelled queries, read the log."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from extensions import limiter
from search.engine import query
from search.evaluation import evaluate
from search.flask_glue import current_index
from search.log import zero_result_queries
from search.results import ArticleHit
from search.results import CategoryHit
from search.results import TopicHit

search_cli = click.Group("search", help="Поиск: проверка выдачи, оценка качества, журнал запросов.")


@search_cli.command("query")
@click.argument("text")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 20), help="Сколько показать.")
def query_command(text: str, limit: int) -> None:
    """Print the ranking for one query, as the portal shows it."""
    result = query(current_index(), text, limit)
    if result.corrected:
        click.echo(f"Показаны результаты для: {result.corrected}")
    if result.is_empty:
        click.echo("Ничего не найдено.")
        return
    for number, hit in enumerate(result.hits, start=1):
        if isinstance(hit, TopicHit):
            line = f"тема      {hit.category.title} → {hit.topic.title}"
        elif isinstance(hit, ArticleHit):
            line = f"статья    {hit.article.title}"
        else:
            assert isinstance(hit, CategoryHit)
            line = f"категория {hit.category.title}"
        click.echo(f"{number:>2}. {hit.score:6.2f}  {line}")
    if result.confident:
        click.echo("Уверенный ответ: первый результат.")


@search_cli.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 20), help="Глубина выдачи.")
def eval_command(file: Path, limit: int) -> None:
    """Print hit@1, hit@3 and MRR for labelled queries (JSON lines), judged through /api/search."""
    try:
        rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file.name}: не JSON lines: {exc}") from exc
    if not rows:
        raise click.ClickException(f"{file.name}: нет ни одного запроса")
    client = current_app.test_client()

    def answer(text: str) -> dict:
        return client.get("/api/search", query_string={"q": text, "limit": limit}).json

    # Measuring must not fill the search log with the test queries, nor stop at the API's rate limit.
    logging = current_app.config.get("SEARCH_LOG", True)
    current_app.config["SEARCH_LOG"] = False
    limiting, limiter.enabled = limiter.enabled, False
    try:
        report = evaluate(rows, answer)
    except KeyError as exc:
        raise click.ClickException(f"{file.name}: у строки нет поля {exc}") from exc
    finally:
        current_app.config["SEARCH_LOG"] = logging
        limiter.enabled = limiting
    for miss in report.misses:
        click.echo(f"мимо: [{miss.kind}] {miss.query!r} — место {miss.rank or 'нет'}")
    for kind, metrics in report.by_kind.items():
        click.echo(f"{kind}: {metrics}")
    click.echo(str(report.overall))


@search_cli.command("report")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="Сколько строк.")
def report_command(limit: int) -> None:
    """List the most frequent queries that found nothing."""
    try:
        rows = zero_result_queries(limit)
    except SQLAlchemyError as exc:
        raise click.ClickException("Журнал поиска недоступен: выполните flask db upgrade.") from exc
    if not rows:
        click.echo("Запросов без результатов нет.")
        return
    click.echo("Чаще всего ничего не находят по запросам:")
    for text, times in rows:
        click.echo(f"{times:>5}  {text}")
