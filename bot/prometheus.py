"""Prometheus metrics at ``/metrics``, one registry per application (no global state).

Names (``docs/metrics.md``): ``frontdesk_http_requests_total{method,route,status}``,
``frontdesk_http_request_duration_seconds{method,route}``, ``frontdesk_messages_total{direction}``
(``in``: customer messages the engine processed; ``out``: messages the delivery worker sent),
``frontdesk_outbox_depth``, ``frontdesk_classifier_latency_seconds``,
``frontdesk_open_tickets{status}``, and the cost counters the benchmark reads:
``frontdesk_sql_statements_total``, ``frontdesk_store_commits_total``,
``frontdesk_store_jobs_total``, ``frontdesk_classifier_calls_total`` and
``frontdesk_classifier_texts_total``; the backpressure figures of this process
(``bot/backlog.py``): ``frontdesk_inbound_backlog`` (customer messages accepted, not yet
answered), ``frontdesk_inbound_backlog_oldest_seconds``, ``frontdesk_write_queue`` (writes
waiting for the writer) and ``frontdesk_refused_total`` (sends refused with 503); which
background jobs this process runs, ``frontdesk_background_job_running{job}``. Counters are
per process, as Prometheus expects; the outbox and ticket gauges read the database when scraped,
so every process reports the same shared numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from classifier.base import Classifier
from models import Prediction

if TYPE_CHECKING:
    from store.unit_of_work import UnitOfWork

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class _MessageCounts(Collector):
    """Reads the engine's and the delivery worker's own counters at scrape time."""

    def __init__(self) -> None:
        self.source: Callable[[], tuple[int, int]] = lambda: (0, 0)

    def collect(self) -> Iterator[CounterMetricFamily]:
        inbound, outbound = self.source()
        family = CounterMetricFamily(
            "frontdesk_messages", "Chat messages handled, by direction.", labels=["direction"]
        )
        family.add_metric(["in"], inbound)
        family.add_metric(["out"], outbound)
        yield family


class _CostCounts(Collector):
    """The store's and the classifier's own counters, read at scrape time: what one message
    costs is these counters' growth divided by the messages handled (``bench/ceiling.py``)."""

    def __init__(self) -> None:
        self.store: Callable[[], tuple[int, int, int, int]] = lambda: (0, 0, 0, 0)
        self.classifier_calls = 0
        self.classifier_texts = 0

    def collect(self) -> Iterator[CounterMetricFamily]:
        statements, written, commits, jobs = self.store()
        family = CounterMetricFamily(
            "frontdesk_sql_statements",
            "SQL statements sent by this process, by connection (the writer's or a reader's).",
            labels=["connection"],
        )
        family.add_metric(["writer"], written)
        family.add_metric(["reader"], statements - written)
        yield family
        for name, doc, value in (
            ("frontdesk_store_commits", "Commits of the group-commit writer.", commits),
            ("frontdesk_store_jobs", "Writes carried by those commits.", jobs),
            ("frontdesk_classifier_calls", "Calls into the classifier.", self.classifier_calls),
            ("frontdesk_classifier_texts", "Texts classified.", self.classifier_texts),
        ):
            yield CounterMetricFamily(name, doc, value=value)


class _BacklogFigures(Collector):
    """The backlog's numbers, read at scrape time (``bot/backlog.py``)."""

    def __init__(self) -> None:
        self.source: Callable[[], tuple[int, float, int, int]] = lambda: (0, 0.0, 0, 0)
        self.jobs: Callable[[], dict[str, bool]] = dict

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        waiting, oldest, writes, refused = self.source()
        yield GaugeMetricFamily(
            "frontdesk_inbound_backlog",
            "Customer messages this process accepted and has not answered yet.",
            value=waiting,
        )
        yield GaugeMetricFamily(
            "frontdesk_inbound_backlog_oldest_seconds",
            "How long the oldest of those has waited.",
            value=oldest,
        )
        yield GaugeMetricFamily(
            "frontdesk_write_queue", "Writes waiting for the database writer.", value=writes
        )
        jobs = GaugeMetricFamily(
            "frontdesk_background_job_running",
            "1 for each background job this process runs now (one process each on PostgreSQL).",
            labels=["job"],
        )
        for name, running in sorted(self.jobs().items()):
            jobs.add_metric([name], 1.0 if running else 0.0)
        yield jobs
        yield CounterMetricFamily(
            "frontdesk_refused",
            "New messages and chats refused with 503 because a backlog bound was reached.",
            value=refused,
        )


class FrontdeskMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "frontdesk_http_requests",
            "HTTP requests answered.",
            ["method", "route", "status"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "frontdesk_http_request_duration_seconds",
            "Time to answer an HTTP request (long polls included).",
            ["method", "route"],
            registry=r,
        )
        self.classifier_seconds = Histogram(
            "frontdesk_classifier_latency_seconds",
            "Time to classify one customer message.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.outbox_depth = Gauge(
            "frontdesk_outbox_depth", "Outbound messages waiting for delivery.", registry=r
        )
        self.open_tickets = Gauge(
            "frontdesk_open_tickets", "Tickets not yet resolved, by status.", ["status"], registry=r
        )
        self.messages = _MessageCounts()
        r.register(self.messages)
        self.costs = _CostCounts()
        r.register(self.costs)
        self.backlog = _BacklogFigures()
        r.register(self.backlog)

    def count_messages(self, source: Callable[[], tuple[int, int]]) -> None:
        self.messages.source = source

    def watch_backlog(self, source: Callable[[], tuple[int, float, int, int]]) -> None:
        """``source()`` gives (backlog, its oldest age in s, writes queued, refused so far)."""
        self.backlog.source = source

    def watch_jobs(self, source: Callable[[], dict[str, bool]]) -> None:
        """``source()`` gives, per background job, whether this process runs it now."""
        self.backlog.jobs = source

    def count_store(self, source: Callable[[], tuple[int, int, int, int]]) -> None:
        """``source()`` gives (SQL statements, of them the writer's, commits, jobs) so far."""
        self.costs.store = source

    def timed(self, classifier: Classifier) -> Classifier:
        """The same classifier, each ``classify`` timed and counted (a hot-swapping one keeps
        swapping)."""
        return _TimedClassifier(classifier, self.classifier_seconds, self.costs)

    async def refresh(self, uow: UnitOfWork) -> None:
        """Read the shared numbers (queue depth, open tickets) from the database."""
        self.outbox_depth.set(await uow.outbox.depth())
        counts = await uow.reports.open_tickets_by_status()
        self.open_tickets.clear()
        for status, n in counts.items():
            self.open_tickets.labels(status=status).set(n)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _TimedClassifier:
    def __init__(self, classifier: Classifier, histogram: Histogram, counts: _CostCounts) -> None:
        self._classifier = classifier
        self._histogram = histogram
        self._counts = counts

    def classify(self, text: str) -> Prediction:
        self._counts.classifier_calls += 1
        self._counts.classifier_texts += 1
        start = time.perf_counter()
        try:
            return self._classifier.classify(text)
        finally:
            self._histogram.observe(time.perf_counter() - start)

    def classify_many(self, texts: list[str]) -> list[Prediction]:
        """Observed per message (the batch's time shared out), so the histogram stays per text."""
        self._counts.classifier_calls += 1
        self._counts.classifier_texts += len(texts)
        start = time.perf_counter()
        try:
            return self._classifier.classify_many(texts)
        finally:
            share = (time.perf_counter() - start) / max(1, len(texts))
            for _ in texts:
                self._histogram.observe(share)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._classifier, name)


METRICS = web.AppKey("prometheus_metrics", FrontdeskMetrics)


def route_name(request: web.Request) -> str:
    """The route's pattern (``/api/chat/sessions/{session_id}/messages``), never the raw path,
    so a label cannot grow without bound."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def count_requests(request: web.Request, handler: Any) -> web.StreamResponse:
    metrics = request.app[METRICS]
    start = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        route = route_name(request)
        metrics.requests.labels(request.method, route, str(status)).inc()
        metrics.request_seconds.labels(request.method, route).observe(time.perf_counter() - start)


def exposition_handler(
    read: Callable[[web.Request], Any],
) -> Callable[[web.Request], Any]:
    """``GET /metrics``; ``read(request)`` gives the store whose numbers the gauges show."""

    async def handler(request: web.Request) -> web.Response:
        metrics = request.app[METRICS]
        await read(request).read(metrics.refresh)
        return web.Response(
            body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    return handler
