"""The brief's sections 4 and 5: what the conclusions rest on (which inputs are sourced, derived or
estimated, and which were calibrated), and what to measure next (value of information)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from mashsim.report.brief_figures import Figure, command_text, words
from mashsim.report.brief_sections import Context, Section

TAGS = {"S": "from a public source", "D": "derived by arithmetic from sourced figures", "E": "an estimate"}


#: What sort of input a field is, by its last part (first) or its table (then), in a committee's words.
BY_FIELD = (({"staff"}, "Staff in post (FTE)"), ({"annual_cost"}, "Cost of one more FTE a year"),
            ({"absence_rate", "out_of_hours_staff"}, "Absence and out-of-hours cover"),
            ({"task_minutes", "research_minutes"}, "How long each task takes"),
            ({"holds_information", "holds"}, "What each agency knows about a child"),
            ({"match_failure", "matching", "matching_shared_id"}, "Matching a child's records"))
BY_TABLE = {"arrivals": "How many contacts arrive, when, and how risky",
            "calendar": "How many contacts arrive, when, and how risky", "channels": "Remote desks' channels",
            "rag": "RAG deadlines", "screening": "Screening: rating a contact too low or too high",
            "decision": "Deciding: recognising risk, outcomes", "policy": "Policy: who is asked, when to decide",
            "children": "Children: returns and history", "concerns": "Concern pathways", "police": "Police pipeline"}


def _kind(path: str) -> str:
    """What sort of input a field is: ``roles.screeners.task_minutes`` → "How long each task takes"."""
    parts = [p for p in path.split(".") if not p.isdigit()]
    if parts[0] == "hubs":
        parts = parts[2:]
    for fields, label in BY_FIELD:
        if fields & set(parts[1:]):  # task_minutes.mode is a task time too
            return label
    return BY_TABLE.get(parts[0], words(parts[0]).capitalize())


def input_label(path: str) -> str:
    """An input in words: ``roles.screeners.task_minutes`` → "How long each task takes (screeners)"."""
    parts = [p for p in path.split(".") if not p.isdigit()]
    if parts[0] == "hubs":
        parts = parts[2:]
    which = parts[1] if len(parts) >= 3 else parts[-1]
    return f"{_kind(path)} ({words(which)})"


def tagged(scenario) -> list[tuple[str, Any, Any]]:
    """Every tagged input, a network's hub copies of a top-level figure listed once (as ``show`` does)."""
    every = list(scenario.provenance())
    top = {path: (value, prov) for path, value, prov in every if not path.startswith("hubs.")}
    out = []
    for path, value, prov in every:
        head, _, rest = path.partition(".")
        if head == "hubs" and top.get(rest.partition(".")[2]) == (value, prov):
            continue
        out.append((path, value, prov))
    return out


def basis(ctx: Context, run: Any) -> Section:
    """Section 4: the scenario's evidence tags by kind of input, and the calibration (``--ensemble``)."""
    s, book = ctx.settings, ctx.book
    section = Section(4, "What the conclusions rest on")
    show = ["show", s.scenario, *s.sets()]
    inputs = tagged(ctx.base)
    counts = Counter(prov.tag for _, _, prov in inputs)
    for tag in ("S", "D", "E"):
        book.add(Figure(f"basis.inputs.{tag}", 4, f"Inputs tagged {tag} ({TAGS[tag]})", counts.get(tag, 0), "count",
                        derived_from=[], formula=f"rows tagged {tag} in the table 'Where the figures come from' of "
                                                 + command_text(show)))
    calibrated = _calibrated(run)
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for path, _, prov in inputs:
        by_kind[_kind(path)][prov.tag or "-"] += 1
    rows = []
    for kind, tags in sorted(by_kind.items(), key=lambda item: (-item[1]["E"], item[0])):
        hit = sum(1 for p in calibrated if _kind(p) == kind)
        rows.append([kind, *(str(tags.get(t, 0)) for t in ("S", "D", "E")), str(hit) if calibrated else "-"])
    section.tables.append((["kind of input", "S: sourced", "D: derived", "E: estimated", "calibrated"], rows))
    total = sum(counts.values())
    section.paragraphs.append(
        f"Of the scenario's {total} tagged inputs, {counts.get('S', 0)} come from a public source (S), "
        f"{counts.get('D', 0)} are derived by arithmetic from sourced figures (D) and {counts.get('E', 0)} are "
        "estimates (E): the table counts them by kind. Every other field takes the model's default.")
    estimated = [kind for kind, tags in by_kind.items() if tags.get("E") and not tags.get("S") and not tags.get("D")]
    if estimated:
        section.paragraphs.append("Resting wholly on estimates: " + "; ".join(k.lower() for k in sorted(estimated))
                                  + ". These are the figures to check, or to measure, before the staffing answer "
                                  "is relied on.")
    if calibrated:
        ensemble = run.ensemble
        section.paragraphs.append(
            f"Calibrated: {len(calibrated)} input{'s' if len(calibrated) != 1 else ''} ({'; '.join(input_label(p) for p in calibrated)}) were narrowed by "
            f"history matching against published figures; section 1 runs over {len(run.rows)} of the "
            f"{len(ensemble.ids)} parameter sets that remained plausible (ensemble {ensemble.source}, "
            f"{ensemble.file_hash}), so its intervals carry the uncertainty in those inputs as well as chance. "
            "Sections 2 and 3 run on the scenario's own figures.")
    else:
        section.paragraphs.append(
            "Nothing was calibrated for this brief: every section runs on the scenario's own figures, and the "
            "intervals measure chance only, not doubt about the inputs. `mashsim calibrate` narrows the estimates "
            "against published figures; pass its ensemble with --ensemble to carry that doubt into the brief.")
    section.commands.append(command_text(show))
    return section


def _calibrated(run: Any) -> list[str]:
    ensemble = getattr(run, "ensemble", None)
    return list(ensemble.paths) if ensemble is not None else []


def measure_next(ctx: Context) -> Section:
    """Section 5: the inputs whose doubt moves the answer most (value of information); for a scenario
    of several hubs, only those named by --measure (else a plain note of the command that ranks them)."""
    section = Section(5, "What to measure next")
    if ctx.base.hubs and not ctx.settings.measure:
        section.flags.append("Not computed in this report.")
        section.paragraphs.append(
            f"Ranking every estimate of a scenario with {len(ctx.base.hubs)} hubs is too many runs for a brief. "
            "Name the estimates to rank with --measure PATH, or run `"
            + command_text(["voi", ctx.settings.scenario, *ctx.settings.sets()]) + " --param PATH ...` on its own; "
            "section 4 lists the inputs that rest wholly on estimates.")
        return section
    from mashsim.report.brief_voi import voi_section

    return voi_section(ctx, section)
