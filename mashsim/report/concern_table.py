"""The terminal's table by concern: how each concern's children fare, one row a concern.

Every contact metric is reported by concern (``<stem>.by_concern.<concern>...``, see the metric
catalogue); this table shows the few of :data:`~mashsim.metrics.catalogue.CONCERN_TABLE`, with the
mean over the replications, for the concerns that had contacts. A column no concern has a value in
(school notices, where no pathway sends any) is left out.
"""

from __future__ import annotations

import math

from rich.table import Table

from mashsim.experiment.runner import RunResult
from mashsim.metrics.catalogue import CONCERN_TABLE, by_concern
from mashsim.report.table import format_value
from mashsim.report.terminal import PlainTable
from mashsim.scenario.schema import CONCERNS

_HEADERS = {"contacts_arrived": "arrived", "high_risk_missed_rate": "high\nmissed",
            "under_triage_rate": "under\ntriage", "rag_breach_rate": "RAG\nbreach",
            "decision_delay_hours.mean": "mean\nhours", "referral_rate": "refer-\nrals",
            "school_notice_late_rate": "school\nlate"}


def concern_table(result: RunResult) -> Table | None:
    """The table by concern (means over the replications), or None if the run has no concern metrics."""
    summary = result.summary()
    concerns = [c for c in CONCERNS if summary.get(by_concern("contacts_arrived", c)) is not None
                and summary[by_concern("contacts_arrived", c)].mean > 0]
    if not concerns:
        return None
    columns = [m for m in CONCERN_TABLE
               if any(not math.isnan(summary[by_concern(m, c)].mean) for c in concerns if by_concern(m, c) in summary)]
    table = PlainTable(title="By concern (means; every metric by concern is in --json and --out)",
                       caption="high missed: signals about high/critical-risk children missed; school late: "
                               "school notices after the school day began", show_edge=False)
    table.add_column("concern", no_wrap=True)
    for metric in columns:
        table.add_column(_HEADERS.get(metric, metric), justify="right")
    for concern in concerns:
        cells = []
        for metric in columns:
            interval = summary.get(by_concern(metric, concern))
            cells.append("—" if interval is None or math.isnan(interval.mean)
                         else format_value(metric, interval.mean))
        table.add_row(concern.replace("_", " "), *cells)
    return table
