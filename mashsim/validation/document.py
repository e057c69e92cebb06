"""docs/validation.md from a :class:`~mashsim.validation.suite.Report`: every check, the calibration table,
the warm-up and replications analysis, and how to rerun it all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mashsim.atomic import atomic_write
from mashsim.validation import ciw_compare, queueing
from mashsim.validation.calibration import CalibrationRow
from mashsim.validation.checks import FAIL, PASS, SKIP, Check, fmt, simulated_text
from mashsim.validation.ciw_compare import FAMILY as CIW, ROTA_FAMILY
from mashsim.validation.equivalence import ALPHA, ASSURANCE_WANTED, DETECT, POWER_WANTED, Tolerance
from mashsim.validation.extremes import FAMILY as EXTREMES
from mashsim.validation.little import FAMILY as LITTLE, TOLERANCE as LITTLE_TOLERANCE
from mashsim.validation.suite import Report

IMAGE = Path("img") / "warmup-welch.png"
VERDICT = {PASS: "pass", FAIL: "**FAIL**", SKIP: "skipped"}

# every tolerance a check uses, declared once where the check lives; listed here with its reason
TOLERANCES: dict[str, Tolerance] = {
    "mean wait, mean queue, time in system (queueing theory)": queueing.MEAN,
    "P(wait) (queueing theory)": queueing.SHARE,
    "Little's law, L ÷ λW": LITTLE_TOLERANCE,
}

ABOUT = {
    queueing.ERLANG: (
        "One agency desk with *c* researchers always on duty, Poisson arrivals at a constant rate, exponential "
        "research times with a mean of 1 hour; logging, screening and deciding take no time, nobody is "
        "mis-rated and the hub waits for every return (`validation/configs.py`, `single_desk`). Mean wait "
        "(`wait_hours.by_role.desk`), the share of requests that wait (`wait_probability.by_role.desk`) and "
        "the time-average queue (`queue_length.by_role.desk`) against Erlang C. Grid: *c* from 1 to 10 at loads "
        "from 0.5 to 0.85; heavier traffic and more servers need far longer runs for the same precision "
        "(M/M/10 at ρ = 0.9: about 17 million contacts; M/M/20 at ρ = 0.8: 5.5 million)."),
    queueing.JACKSON: (
        "Screening then decision, each an M/M/*c* station, no desk asked (`tandem`). By Jackson's theorem "
        "each station behaves as an M/M/*c* queue on its own (the first station's departures are Poisson, "
        "Burke), so each wait is Erlang C's and the time through is the sum of the stations' times."),
    queueing.PK: (
        "One desk, one researcher, research times constant (M/D/1), uniform or triangular (the shape every "
        "task in the default scenario has). Mean wait and queue against Pollaczek–Khinchine, "
        "W<sub>q</sub> = λE[S²] / 2(1 − ρ); P(wait) against ρ (Poisson arrivals see time averages)."),
    LITTLE: (
        "On the default scenario as shipped: L, the time-average number of contacts in the hub "
        "(`contacts_in_system`, counted as contacts arrive and are decided), against λW, arrivals in the "
        "window ÷ its length × mean hours from contact to decision. Over a finite window the two differ by "
        "edge terms (contacts in the hub when the window opens count in L but not in W; contacts still open "
        "at the end count in L with their time in the window, while W counts their whole delay, to their "
        "decision in the run-out), of order "
        "L·Var(S) / (E[S]·T); the paired gap is reported in the note."),
    CIW: (
        "The same network in mashsim and in [Ciw](https://ciw.readthedocs.io), an independent simulator: "
        "{network}. Red is served first at every station without pre-emption (Ciw: priority classes; "
        "each RAG a customer class with its own route). Each figure from each simulator over independent "
        "replications; the verdict is a Welch interval of the difference. Both simulators' figures carry "
        "sampling error, so this is a difference test, not an equivalence test: its power to detect a 5% "
        "difference is reported and is low for most figures (it would take far longer Ciw runs, which are "
        "slow); it catches gross disagreements, theory catches the 5% ones."),
    queueing.PRIORITY: (
        "One M/M/*c* desk whose contacts are Red, Amber and Green in fixed shares, served in that order "
        "without pre-emption (`policy.queue_discipline = rag`), first come first served within a RAG. Each "
        "RAG's mean time to decision (its wait plus one service) against the non-preemptive priority formula "
        "(Cobham 1954)."),
    ROTA_FAMILY: (
        "One desk on a rota (day staff 9:00–17:00, one person out of hours) in mashsim and as a Ciw schedule, "
        "where whoever is busy at a change of shift finishes in overtime. A difference test, as above."),
    EXTREMES: (
        "The default scenario pushed to limits with a certain answer, checked exactly in every replication. "
        "The CRN row checks that taking one desk's information away changes nothing about any other desk's "
        "signals (common random numbers: each contact's draws do not depend on what another desk holds)."),
}


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def chance(value: float | None) -> str:
    """A probability to three decimals ("-" when there is none), shown in the document and the terminal."""
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:.3f}" if value < 0.999 else "> 0.999"


def tolerance_text(c: Check) -> str:
    """A check's tolerance: ±x%, "exact", or "difference test" (two noisy simulators)."""
    if c.tolerance is None:
        return "difference test" if c.power is not None else "-"
    return "exact" if c.tolerance == 0.0 else f"±{c.tolerance:.0%}"


def _checks_table(checks: list[Check]) -> list[str]:
    lines = [_row(["check", "expected", "simulated (95% CI)", "tolerance", f"power at {DETECT:.0%}",
                   "pass chance if right", "verdict based on", "result"]),
             _row(["---", "---:", "---:", "---:", "---:", "---:", "---", "---"])]
    for c in checks:
        expected = "-" if c.status == SKIP else fmt(c.expected, c.unit)
        lines.append(_row([c.name, expected, simulated_text(c), tolerance_text(c), chance(c.power),
                           chance(c.assurance), c.test, VERDICT[c.status]]))
    notes = sorted({c.note for c in checks if c.note})
    if notes:
        lines += ["", "Run sizes: " + "; ".join(f"{n}" for n in notes) + "."]
    return lines


def _summary(report: Report) -> list[str]:
    families: dict[str, list[Check]] = {}
    for c in report.checks:
        families.setdefault(c.family, []).append(c)
    lines = [_row(["family", "checks", "passed", "failed", "skipped", "test", f"lowest power at {DETECT:.0%}",
                   "lowest pass chance if right"]),
             _row(["---", "---:", "---:", "---:", "---:", "---", "---:", "---:"])]
    for family, checks in families.items():
        count = {s: sum(c.status == s for c in checks) for s in (PASS, FAIL, SKIP)}
        ran = [c for c in checks if c.status != SKIP]
        powers = [c.power for c in ran if c.power is not None and c.power == c.power]
        sure = [c.assurance for c in ran if c.assurance is not None]
        lines.append(_row([f"[{family}](#{_anchor(family)})", str(len(checks)), str(count[PASS]),
                           str(count[FAIL]), str(count[SKIP]), tolerance_text(ran[0]) if ran else "-",
                           chance(min(powers)) if powers else "-", chance(min(sure)) if sure else "-"]))
    return lines


def _tolerances(fast: bool) -> list[str]:
    lines = [_row(["figure", "tolerance (this run)", "full run", "fast subset", "why"]),
             _row(["---", "---:", "---:", "---:", "---"])]
    for name, t in TOLERANCES.items():
        lines.append(_row([name, f"±{t.value(fast):.0%}", f"±{t.full:.0%}", f"±{t.fast:.0%}", t.reason]))
    return lines


def _anchor(title: str) -> str:
    keep = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -")
    return keep.replace(" ", "-")


def _share(value: float, unit: str) -> str:
    return f"{value:.1%}" if unit == "share" else f"{value:.2f} d"


def _calibration(rows: list[CalibrationRow]) -> list[str]:
    lines = [_row(["figure", "published", "agreement band", "simulated (95% CI)", "gap", "within", "standing",
                   "what drives it"]),
             _row(["---", "---", "---", "---:", "---:", "---", "---", "---"])]
    for r in rows:
        t, s = r.target, r.simulated
        gap = f"{r.gap * 100:+.1f} points" if t.unit == "share" else f"{r.gap:+.2f} d"
        lines.append(_row([t.title, t.published, f"{_share(t.low, t.unit)} – {_share(t.high, t.unit)}",
                           f"{_share(s.mean, t.unit)} ({_share(s.ci_low, t.unit)} – {_share(s.ci_high, t.unit)})",
                           gap, "yes" if r.within else "**no**", t.evidence, t.driver]))
    independent = sum(not r.target.calibrates for r in rows)
    lines += ["", f"**Standing**: a figure *used to calibrate* had an estimate tuned to match it, so its agreement "
              "is by construction and is no evidence that the model is right; only the *independent* figures "
              f"are evidence. Here {independent} of {len(rows)} are independent.", "",
              "Sources, how each figure maps onto the model, and what was tuned to it:", ""]
    lines += [f"- **{r.target.title}**: {r.target.source}. Model: {r.target.model_figure}. "
              + (f"Tuned: {r.target.calibrated}." if r.target.calibrated else "Nothing was tuned to it.")
              for r in rows]
    return lines


def _default_run_line(report: Report) -> str:
    run = report.default_run
    s = run.scenario
    return (f"`{s.name}` (scenario hash `{run.scenario_hash}`), {len(run.replications)} replications from seed "
            f"{run.seed}, {s.run.horizon_days:g} days measured after {s.run.warmup_days:g} days of warm-up")


def _output_analysis(report: Report) -> list[str]:
    lines: list[str] = []
    w = report.warmup
    if w is not None:
        res = w.result
        lines += [
            "### Warm-up", "",
            f"{w.replications} replications of `{w.scenario}` started empty and ran {w.days:g} days with no "
            f"warm-up (seed {w.seed}). The series is each contact's hours from contact to decision in arrival "
            f"order, averaged over the replications contact by contact ({w.delays.shape[1]:,} contacts, up to the "
            "first one still open in any replication). MSER-5 (White 1997; the method Hoad, Robinson & Davies "
            "2010 recommend for automation) deletes the first "
            f"**{res.truncation:,} contacts** ({res.truncation_batches} batches of 5), i.e. contacts arriving in the "
            f"first **{w.recommended_days:g} days**; the minimum is {'inside' if res.reliable else 'AT THE EDGE of'} "
            f"the search region{'' if res.reliable else ' (not reliable: run longer)'}.", "",
            f"Recommended warm-up by MSER-5: **{w.recommended_days:g} days**. The scenario uses "
            f"**{w.current_days:g} days**, {'at least' if w.current_days >= w.recommended_days else 'LESS THAN'} "
            "what MSER-5 asks for. Read the Welch curve too (top): the warm-up should end where the curve has "
            "levelled off, after the climb from the empty start; a margin over MSER-5 covers the weekly cycle "
            "(queues built over a weekend clear during the week) and costs little next to a measured year.", "",
            f"![Welch plot and MSER-5 statistic]({IMAGE.as_posix()})", "",
        ]
    if report.precision:
        run = report.default_run
        lines += [
            "### Replications", "",
            "Replications needed for the half-width of the 95% CI to be within a share of the mean, by the "
            "replications algorithm of Hoad, Robinson & Davies (2010; look-ahead 5), on "
            f"`{run.scenario.name}` as shipped (seed {run.seed}, {run.scenario.run.horizon_days:g} days each).", "",
            _row(["metric", "precision wanted", "replications needed", "run (with look-ahead)", "mean (95% CI)"]),
            _row(["---", "---:", "---:", "---:", "---:"]),
        ]
        for p in report.precision:
            r = p.result
            needed = f"{r.replications}" if r.converged else f"more than {r.replications}"
            lines.append(_row([f"`{p.metric}`", f"±{p.target:.0%}", needed, str(len(r.values)),
                               f"{fmt(r.interval.mean)} ({fmt(r.interval.ci_low)} – {fmt(r.interval.ci_high)})"]))
        most = max((p.result.replications for p in report.precision), default=0)
        lines += ["", f"The scenario runs **{run.scenario.run.replications}** replications by default; "
                  f"the most any metric above needs is **{most}**. Rare events (Red breaches) need more: use "
                  "`-r` for such questions.", ""]
    return lines


def render(report: Report, today: dt.date | None = None) -> str:
    """The whole document as Markdown."""
    today = today or dt.date.today()
    mode = "fast subset (`--fast`)" if report.options.fast else "full run"
    total, failed = len(report.checks), report.failures
    verdict = (f"**All {total - len(report.skipped)} checks that ran passed**" if not failed else
               f"**{len(failed)} of {total} checks FAILED**: " + "; ".join(f"{c.family}: {c.name}" for c in failed))
    if report.skipped:
        verdict += f" ({len(report.skipped)} skipped: {report.skipped[0].test})"
    lines = [
        "# Model validation", "",
        f"Generated by `mashsim check-model` ({mode}) on {today.isoformat()}, mashsim {report.version}, base seed "
        f"{report.options.seed}. Do not edit by hand: rerun the command (see [Reproduce](#reproduce)).", "",
        verdict + ".", "",
        f"The run took {report.cpu_seconds:.0f} s of CPU ({report.wall_seconds:.0f} s elapsed).", "",
        "## How to read it", "",
        "- **Verification** (does the code do what the model description says?): the model is configured down "
        "to queues whose answer is known, and its figures are compared with theory, with an independent "
        "simulator, and with extreme cases whose outcome is certain.",
        "- **simulated** is mashsim's mean over independent replications and its Student-t 95% interval.",
        "- A check against theory is an **equivalence test** (two one-sided tests): it **passes** when the "
        f"whole {1 - 2 * ALPHA:.0%} interval of the relative error (simulated − theory) ÷ theory lies inside "
        "its **tolerance**. A pass is positive evidence that the model is within the tolerance of theory; "
        "a run too short or too noisy cannot pass by being vague. The claims hold together at the 5% level "
        "without widening each interval (intersection-union), so there is no Bonferroni correction.",
        f"- **power at {DETECT:.0%}**: the chance the check fails when the truth is {DETECT:.0%} off theory "
        f"(either way); **pass chance if right**: the chance a correct model passes. Both are computed from "
        "the standard error the run achieved (the mean normal, its estimated SE a scaled chi). With a tolerance at or "
        f"below {DETECT:.0%} the test guarantees power of at least {1 - ALPHA:.0%}; what run length buys is "
        f"the pass chance, so the full run's queues are sized for power ≥ {POWER_WANTED:g} and a pass chance "
        f"of {ASSURANCE_WANTED:g} per check (`validation/queueing.py`). The fast subset uses wide tolerances: "
        "a smoke test with little power, reported as it is.",
        "- Comparisons with Ciw (both figures noisy) are difference tests: a family of *k* Welch intervals of "
        "the difference at level 1 − 0.05/*k* (Bonferroni) must hold 0; their power to detect a 5% "
        "difference is reported. Extreme cases are exact. Seeds are fixed: the run is repeatable bit for bit.",
        "- **Validation** (is the default scenario plausible?): the calibration table compares the default "
        "scenario with published figures. A figure outside its band does not fail the run: it points at the "
        "estimate (tagged E) to revisit. A figure an estimate was tuned to is marked *used to calibrate "
        "(not evidence)*; the others *independent (evidence)*.", "",
        "## Summary", "", *_summary(report), "",
        "## Tolerances", "",
        "Each tolerance is declared once, with its reason, beside the checks that use it.", "",
        *_tolerances(report.options.fast), "",
        "## Verification", "",
    ]
    families: dict[str, list[Check]] = {}
    for c in report.checks:
        families.setdefault(c.family, []).append(c)
    for family, checks in families.items():
        about = ABOUT.get(family, "").replace("{network}", ciw_compare.describe(report.sizes.ciw))
        lines += [f"### {family}", "", about, "", *_checks_table(checks), ""]
    if report.calibration:
        lines += ["## Calibration against published figures", "",
                  f"Default scenario: {_default_run_line(report)}.", "", *_calibration(report.calibration), "",
                  *CALIBRATION_NOTES, ""]
    if report.warmup is not None or report.precision:
        lines += ["## Output analysis", "", *_output_analysis(report)]
    lines += ["## Reproduce", "",
              "```sh",
              ".venv/bin/mashsim check-model            # everything; writes docs/validation.md and docs/img/",
              ".venv/bin/mashsim check-model --fast     # the subset CI runs, in seconds (docs/validation-fast.md)",
              ".venv/bin/python -m pytest tests/test_validation.py tests/test_ciw.py tests/test_extremes.py",
              "```", "",
              "Exit status 0 when every check passes, 1 when any fails (the document is written either way and "
              "names the failures). The checks are in `mashsim/validation/`; the run sizes above are its "
              "`suite.FULL` and `suite.FAST`.", ""]
    return "\n".join(lines)


CALIBRATION_NOTES = [
    "Notes:", "",
    "- **Recalibrated in this version** (estimates, tagged E, in `scenarios/london-borough.toml`): the outcome "
    "mixes. Before, 23.4% of contacts became referrals (at the bottom of ADCS's 23–29%) and 31.5% of referrals "
    "went to s47 (DfE: 25%). Now Green decisions give s17 for 23% (was 15%), Amber s17 68% / s47 17% (was "
    "65 / 20) and Red s17 35% / s47 65% (was 25 / 75); Amber's NFA and early help are unchanged, so the floor "
    "of under-triage is too.",
    "- **Recalibrated to Greenwich's turnaround** (estimates, tagged E): Amber was decided in 1.17 days (under "
    "Greenwich's ~1¼) and Green in 1.30, barely later. Every queue serves Red, then Amber, then Green "
    "(policy.queue_discipline = rag, chosen from this source); the managers' decision now takes 25 (15–50) "
    "minutes (was 20 (10–45)), so Green waits longer behind Amber for a decision; and the education desk's "
    "research 27 (15–55) minutes (was 20 (10–45), then 30 (15–60) until the returns already on their way at the "
    "start raised a borough-year's load to its annual_contacts), the busiest of the four desks Amber asks. Amber's turnaround "
    "is steep in the latter: one FTE answers for every school, so a few minutes more a request moves it by "
    "a tenth of a day. The managers are about 83% busy and the education desk 77%.",
    "- **Five targets were used to calibrate**, so they are no evidence that the model is right: it agrees "
    "with them by construction. **Two are kept back**: DfE's referrals by source (police 28%, schools 21% of "
    "England's referrals), against `referral_source_share`. Nothing was tuned to them, though the contact "
    "shares by source (E) were weighted from the same DfE table; the per-source risk mixes (E), which decide "
    "how often each source's contacts become referrals, never were. Other published figures have no "
    "independent counterpart: re-referral within 12 months (22–23%) was tuned (children.returns); "
    "conferences within 15 working days (81.4%) and assessments within 45 (85.7%) happen after the MASH "
    "decision, where the model stops; Greenwich's before-MASH turnarounds (2½ and 4½ days) would need a hub "
    "without co-located desks whose delays are not estimates of their own.",
    "- Greenwich's turnaround is read in calendar days (the report does not say working days); the model's "
    "is elapsed time from contact to decision, nights and weekends included.",
    "- DfE's shares are outcomes after assessment; the model stops at the MASH decision, so only the s47 share "
    "compares like for like (a strategy discussion is decided in the MASH).",
]


def write_document(report: Report, path: Path) -> list[Path]:
    """Write the document to ``path`` (and its Welch plot under ``img/`` beside it), each file whole or not at all."""
    from mashsim.validation.plots import welch_plot

    path = Path(path)
    written = []
    if report.warmup is not None:
        image = path.parent / IMAGE
        atomic_write(image, lambda p: welch_plot(report.warmup, p))
        written.append(image)
    atomic_write(path, lambda p: p.write_text(render(report), encoding="utf-8"))
    written.append(path)
    return written
