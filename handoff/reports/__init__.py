"""Support metrics reports: built from the store's counts (``building``) for the CLI and the
console's reports page (``page``, with its SVG ``charts`` and CSV export)."""

from .building import Report, build_report, daily_series, metrics_by
from .page import CHARTS, REPORT_ROLES, ROLE_OF, add_routes, metric_rows

__all__ = [
    "CHARTS",
    "REPORT_ROLES",
    "ROLE_OF",
    "Report",
    "add_routes",
    "build_report",
    "daily_series",
    "metric_rows",
    "metrics_by",
]
