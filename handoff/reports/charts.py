"""The reports page's charts as SVG, drawn with matplotlib's object API (no pyplot, no global
figure state, so concurrent requests cannot draw into each other's figures)."""

from __future__ import annotations

import io
from typing import Any

from models.metrics import TicketMetrics


def _figure() -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 2.8), dpi=100)
    fig.set_layout_engine("tight")
    return fig


def _svg(fig: Any) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def volume_svg(series: dict[str, TicketMetrics]) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    days = list(series)
    ax.bar(days, [m.counts.volume for m in series.values()], color="#3b6ea5")
    ax.set_title("Tickets per day")
    ax.set_ylabel("tickets")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    return _svg(fig)


def response_times_svg(series: dict[str, TicketMetrics]) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    days = list(series)

    def hours(v: float | None) -> float:
        return float("nan") if v is None else v / 3600

    ax.plot(days, [hours(m.counts.first_response.median_s) for m in series.values()],
            marker="o", label="first response (median)")  # fmt: skip
    ax.plot(days, [hours(m.counts.resolution.median_s) for m in series.values()],
            marker="s", label="resolution (median)")  # fmt: skip
    ax.set_title("Response times by day of creation")
    ax.set_ylabel("hours")
    ax.legend(fontsize=7)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    return _svg(fig)


def csat_svg(current: dict[int, int], previous: dict[int, int]) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    scores = [1, 2, 3, 4, 5]
    ax.bar([s - 0.2 for s in scores], [previous.get(s, 0) for s in scores], width=0.4,
           color="#b8c4d6", label="previous period")  # fmt: skip
    ax.bar([s + 0.2 for s in scores], [current.get(s, 0) for s in scores], width=0.4,
           color="#3b6ea5", label="this period")  # fmt: skip
    ax.set_xticks(scores)
    ax.set_title("CSAT ratings")
    ax.set_xlabel("score")
    ax.set_ylabel("responses")
    ax.legend(fontsize=7)
    return _svg(fig)
