"""Prometheus metrics at /metrics: requests by endpoint (prometheus-flask-exporter) and business figures read at scrape time.

Under gunicorn every worker process counts its own requests; with PROMETHEUS_MULTIPROC_DIR set they write
them to files there and a scrape of any worker adds all of them up (gunicorn.conf.py clears the files of
dead workers). The business figures come from the database, so every node and process reports the same.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint
from flask import Flask
from flask import Request
from flask import Response
from flask import abort
from flask import current_app
from flask import request
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.core import Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_flask_exporter import PrometheusMetrics
from sqlalchemy.exc import SQLAlchemyError

from db_types import utcnow
from search.usage import zero_result_share
from tickets.autoclose import auto_closed_total
from tickets.outbox import outbox_figures

log = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)

# A method label outside these would be whatever a client made up: one new series per request.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
ZERO_RESULT_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class MetricsAccess:
    """Who may read /metrics: clients from these networks, or anyone with the bearer token."""

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    token: str = ""
    # Without ProxyFix, a request a proxy on this host forwarded comes from loopback like a local scraper.
    forwarded_is_remote: bool = True

    @classmethod
    def from_config(cls, config) -> MetricsAccess:
        """From METRICS_ALLOWED_NETWORKS (CIDRs), METRICS_TOKEN and PROXY_FIX_X_FOR."""
        networks = config.get("METRICS_ALLOWED_NETWORKS") or ()
        if isinstance(networks, str):
            networks = [n for n in networks.replace(",", " ").split() if n]
        return cls(tuple(ipaddress.ip_network(n, strict=False) for n in networks),
                   str(config.get("METRICS_TOKEN") or ""), not int(config.get("PROXY_FIX_X_FOR") or 0))

    def allows(self, req: Request) -> bool:
        """True for the configured networks or the right bearer token."""
        scheme, _, given = req.headers.get("Authorization", "").partition(" ")
        if self.token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode()):
            return True
        if self.forwarded_is_remote and "X-Forwarded-For" in req.headers:
            return False
        try:
            address = ipaddress.ip_address(req.remote_addr or "")
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


class BusinessCollector:
    """The queue, failures, auto-close and search figures, counted in the database when scraped."""

    def describe(self) -> Iterable[Metric]:
        # Nothing at registration: a scrape is the only time the database is asked.
        return []

    def collect(self) -> Iterator[Metric]:
        try:
            figures = list(self._figures())
        except SQLAlchemyError as exc:
            log.warning("Business figures unavailable: %s", exc)
            figures = []
        yield GaugeMetricFamily("portal_figures_up", "1 if the business figures below could be read from the database",
                                value=1 if figures else 0)
        yield from figures

    @staticmethod
    def _figures() -> Iterator[Metric]:
        now = utcnow()
        outbox = outbox_figures(now)
        age = outbox.oldest_pending_age.total_seconds() if outbox.oldest_pending_age else 0.0
        searches, empty = zero_result_share(now - ZERO_RESULT_WINDOW)
        yield GaugeMetricFamily("portal_outbox_pending", "Mail queued, neither delivered nor refused for good",
                                value=outbox.pending)
        yield GaugeMetricFamily("portal_outbox_oldest_pending_age_seconds",
                                "Age of the oldest mail still waiting to be delivered (0 when none waits)", value=age)
        yield CounterMetricFamily("portal_mail_failed", "Mail refused for good (a 5xx reply or a bounce report)",
                                  value=outbox.failed)
        yield CounterMetricFamily("portal_tickets_auto_closed", "Requests closed by auto-close (from their history)",
                                  value=auto_closed_total())
        yield GaugeMetricFamily("portal_search_logged_last_hour", "Searches in the search log over the last hour",
                                value=searches)
        yield GaugeMetricFamily("portal_search_zero_result_ratio",
                                "Share of the last hour's logged searches that found nothing (0 without searches)",
                                value=empty / searches if searches else 0.0)


def multiprocess_dir() -> str | None:
    """PROMETHEUS_MULTIPROC_DIR: where the processes of one server share their counts (gunicorn)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _registry() -> CollectorRegistry:
    if multiprocess_dir():
        # Every scrape reads the files of all processes afresh, as prometheus_client prescribes.
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(BusinessCollector())
        return registry
    return current_app.extensions["metrics"].registry


def _known_methods_only() -> None:
    if request.method not in METHODS:
        request.prom_do_not_track = True


@bp.record_once
def _exempt_from_rate_limits(state) -> None:
    # A scraper answered 429 would see the portal as down.
    for limiter in state.app.extensions.get("limiter", ()):
        limiter.exempt(bp)


@bp.get("/metrics")
def metrics():
    """Expose the metrics to an allowed scraper; anyone else gets the portal's ordinary 404."""
    request.prom_do_not_track = True
    if not current_app.extensions["metrics_access"].allows(request):
        abort(404)
    encode, content_type = choose_encoder(request.headers.get("Accept"))
    return Response(encode(_registry()), content_type=content_type)


def init_app(app: Flask) -> None:
    """Count requests by endpoint (bounded labels) and read /metrics' access rule; views.init_app registers `bp`."""
    registry = CollectorRegistry()
    exporter = PrometheusMetrics.for_app_factory(path=None, registry=registry, group_by="endpoint")
    exporter.init_app(app)
    registry.register(BusinessCollector())
    app.before_request(_known_methods_only)
    app.extensions["metrics"] = exporter
    app.extensions["metrics_access"] = MetricsAccess.from_config(app.config)
