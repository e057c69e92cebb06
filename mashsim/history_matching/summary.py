"""``summary.md``: a calibration told for a person (the numbers are those of ``calibration.json``)."""

from __future__ import annotations

from typing import Any, Sequence

from mashsim.history_matching.problem import Calibration
from mashsim.history_matching.waves import STOPS, Outcome


def markdown(calibration: Calibration, outcome: Outcome, meta: dict[str, Any], checks: Sequence[Any]) -> str:
    """The summary: what was matched, the waves, the ensemble, the kept-back targets."""
    s = calibration.settings
    lines = [f"# Calibration of {meta['scenario']} to {meta['targets']}", "",
             f"Scenario {meta['scenario']} (hash {meta['scenario_hash']}), seed {meta['seed']}, "
             f"mashsim {meta['version']}. History matching: {s.points} points x {s.replications} replications a wave, "
             f"implausibility cutoff {s.cutoff:g} on the {'largest' if s.rule == 'max' else 'second largest'} "
             f"over the matched targets.", "", "## Parameters", "", "| parameter | range |", "|---|---|"]
    lines += [f"| `{p.path}` | {p.low:g} to {p.high:g} |" for p in calibration.parameters]
    if calibration.untagged:
        lines += ["", "Not estimates (calibrated anyway, --allow-untagged): "
                  + ", ".join(f"`{p}`" for p in calibration.untagged)]
    lines += ["", "## Targets", "", "| target | use | figure | published | source |", "|---|---|---|---|---|"]
    for t in calibration.targets:
        low, high = t.spec.band
        lines.append(f"| {t.name} | {t.spec.use} | `{t.spec.metric}` | {t.spec.point:g} ({low:g} to {high:g}) "
                     f"{t.spec.unit} | {t.spec.source}, {t.spec.date} |")
    lines += ["", "## Waves", "", "| wave | points | runs | non-implausible runs | space kept before | after |",
              "|---|---|---|---|---|---|"]
    for w in outcome.waves:
        lines.append(f"| {w.number} | {len(w.values)} | {w.rows} | {int(w.non_implausible.sum())} | "
                     f"{w.share_before:.1%} | {w.share_after:.1%} |")
    lines += ["", f"Stopped: {STOPS[outcome.stop]}."]
    if outcome.conflict is not None:
        lines += ["", "## Conflicting targets", ""] + [f"- {line}" for line in outcome.conflict.describe()]
    final, chosen = outcome.final, outcome.members()
    lines += ["", "## Ensemble", "", f"{len(chosen)} members (ensemble.parquet): the last wave's points that are "
              "non-implausible by their own runs and inside the region the emulators keep."]
    if len(chosen) and final is not None:
        lines += ["", "| parameter | min | max |", "|---|---|---|"]
        for j, p in enumerate(calibration.parameters):
            values = final.values[chosen, j]
            lines.append(f"| `{p.path}` | {values.min():.4g} | {values.max():.4g} |")
    if checks and not len(chosen):
        lines += ["", "## Targets kept back", "", "Not checked: the ensemble has no members."]
    elif checks:
        lines += ["", "## Targets kept back", "",
                  "| target | band | ensemble min | median | max | members within | verdict |",
                  "|---|---|---|---|---|---|---|"]
        for c in checks:
            lines.append(f"| {c.name} | {c.band[0]:g} to {c.band[1]:g} {c.unit} | {c.low:.4g} | {c.median:.4g} | "
                         f"{c.high:.4g} | {c.within} of {c.members} | {c.verdict} |")
    return "\n".join(lines) + "\n"
