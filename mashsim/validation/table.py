"""The terminal summary of ``mashsim check-model``: every check and the calibration, as rich tables."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from mashsim.report.terminal import PlainTable, styled

from mashsim.validation.checks import FAIL, PASS, SKIP, fmt, simulated_text
from mashsim.validation.document import chance, tolerance_text
from mashsim.validation.equivalence import DETECT
from mashsim.validation.suite import Report

STYLE = {PASS: ("pass", "green"), FAIL: ("FAIL", "bold red"), SKIP: ("skipped", "yellow")}


def results_table(report: Report) -> Group:
    """The checks grouped by family, then the calibration table when there is one."""
    title = "mashsim check-model" + (" --fast" if report.options.fast else "")
    n_failed = len(report.failures)
    verdict = "all passed" if not n_failed else f"{n_failed} FAILED"
    checks = PlainTable(title=f"{title} · {len(report.checks)} checks · {verdict}",
                        caption=f"mashsim {report.version} · seed {report.options.seed} · "
                                f"{report.cpu_seconds:.0f} s CPU · theory: 90% CI of the relative error inside "
                                f"the tolerance · power: chance of failing at a true {DETECT:.0%} error · sure: "
                                "chance a correct model passes")
    for column, justify in (("check", "left"), ("expected", "right"), ("simulated (95% CI)", "right"),
                            ("tolerance", "right"), (f"power at {DETECT:.0%}", "right"), ("sure", "right"),
                            ("result", "left")):
        checks.add_column(column, justify=justify)
    family = None
    for c in report.checks:
        if c.family != family:
            family = c.family
            checks.add_section()
            checks.add_row(styled(family, "bold"), "", "", "", "", "", "")
        expected = "-" if c.status == SKIP else fmt(c.expected, c.unit)
        checks.add_row("  " + c.name, expected, simulated_text(c), tolerance_text(c), chance(c.power),
                       chance(c.assurance), Text(*STYLE[c.status]))
    parts: list = [checks]
    if report.calibration:
        table = PlainTable(title="calibration of the default scenario (does not affect the exit status)")
        for column in ("figure", "published", "simulated (95% CI)", "within", "standing"):
            table.add_column(column)
        for row in report.calibration:
            t, s = row.target, row.simulated
            show = (lambda v: f"{v:.1%}") if t.unit == "share" else (lambda v: f"{v:.2f} d")
            table.add_row(t.title, t.published, f"{show(s.mean)} ({show(s.ci_low)} – {show(s.ci_high)})",
                          "yes" if row.within else styled("no", "bold"), t.evidence)
        parts.append(table)
    return Group(*parts)
