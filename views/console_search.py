"""The console's search page: what customers search and file, corrections, deflection; CSV for Excel."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request
from flask import url_for
from flask_login import current_user

from db_types import utcnow
from kb import current_catalog
from search import report
from search import usage
from search.flask_glue import learning_policy
from views.console import agent_required
from views.forms import RemovePairForm
from views.rendering import redirect_to
from views.rendering import render
from views.template_helpers import localtime

bp = Blueprint("console_search", __name__, url_prefix="/console/search")
PAGE_ROWS = 20
TABLE_ROWS = 500
CSV_ROWS = 10_000
# A cell Excel would read as a formula (a customer typed «=HYPERLINK(...)») gets a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")



def _titles():
    catalog = current_catalog()

    def topic_title(key: str) -> str:
        category_slug, _, topic_slug = key.partition("/")
        topic, category = catalog.topic(category_slug, topic_slug), catalog.category(category_slug)
        return f"{category.title} › {topic.title}" if topic and category else key

    def article_title(slug: str) -> str:
        article = catalog.article(slug)
        return article.title if article else slug

    return topic_title, article_title


def _tables(names, days: int, limit: int) -> list[report.Table]:
    topic_title, article_title = _titles()
    now, policy = utcnow(), learning_policy(current_app)
    return [report.table(name, days, now, limit, policy, topic_title, article_title) for name in names]


def _page(names, days: int, limit: int, form: RemovePairForm | None = None, status: int = 200) -> Response:
    return render("console_search.html", "search_report", status, days=days, periods=report.PERIODS,
                  tables=_tables(names, days, limit), figures=report.deflection(days, utcnow()),
                  min_companies=learning_policy(current_app).min_companies, remove_form=form or RemovePairForm(),
                  single=len(names) == 1, limit=limit)


def _cell(value) -> str:
    text = localtime(value) if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(table: report.Table, days: int) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # Excel in a Russian locale splits on semicolons
    writer.writerow(table.headers)
    writer.writerows([_cell(v) for v in row] for row in table.rows)
    # The BOM makes Excel read UTF-8 instead of guessing a Windows code page.
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="search-{table.name}-{days}d.csv"'
    return response


@bp.get("/")
@agent_required
def page():
    """Show every table of the report for the chosen period, a few rows each."""
    return _page(report.TABLES, report.period(request.args.get("days")), PAGE_ROWS)


@bp.get("/<any(queries, zero, pairs, corrections, deflection):name>")
@agent_required
def table(name: str):
    """Show one table in full, or download it as CSV (`?format=csv`)."""
    days = report.period(request.args.get("days"))
    if request.args.get("format") == "csv":
        return _csv(_tables([name], days, CSV_ROWS)[0], days)
    return _page([name], days, TABLE_ROWS)


@bp.post("/pairs/remove")
@agent_required
def remove_pair():
    """Mark a phrase → topic pair wrong: the search stops learning from it for good."""
    form = RemovePairForm()
    days = report.period(form.days.data)
    if not form.validate():
        return _page(report.TABLES, days, PAGE_ROWS, form, 422)
    usage.remove_pair(form.phrase.data, form.topic.data, current_user.id)
    current_app.extensions["search_learning"].invalidate()
    return redirect_to(url_for("console_search.page", days=days, _anchor="pairs"))
