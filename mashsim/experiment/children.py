"""Per-child counterfactuals: one replication's records from a baseline and an alternative run on the
same seed, joined child by child, with what changed for each.

Common random numbers give both runs the same children: arrivals, risks and what each agency holds
are drawn from streams that staffing and policy do not touch, so the same child arrives at the same
moment in both. What differs is what the hub did with them. With ``[children]`` a child's returns
(repeat contacts) follow the hub's decisions (a missed signal raises the chance of one; it comes a
drawn time after the decision), so only first contacts must be the same in both runs: a return may
be in one run only or arrive at another time, and a child whose window holds only returns may be in
one run only (its counts in the other are 0). That is the feedback being modelled, and its counts
are in the totals like any other. Everything here is computed from the
per-contact records (:func:`mashsim.metrics.records.contact_record`, and ``open_records``), and
:func:`rebuilt_metrics` shows that those records add up to the collector's own metrics exactly, so
that the children's changes add up to the paired difference of the aggregate metrics.

How a contact still open at the run-out's cap (censored) counts, as in the collector: it is in the
breach figures (breaches as at the cap) and the working-day denominator, but no signal of it reached
a decision and it has no outcome, so it is in neither the signal nor the outcome figures.

Nothing here prints or reads files.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from mashsim.scenario.schema import RISK_LEVELS

#: The column naming a subject (one child) in the records: the first of these the records hold. A
#: child may have several contacts (repeat contacts): every per-child figure is a sum over them.
SUBJECT_COLUMNS = ("child", "contact_id")
REFERRALS = ("s17", "s47")
HIGH_RISKS = RISK_LEVELS[RISK_LEVELS.index("high"):]
SIDES = ("base", "alt")

#: What a contact contributes to the aggregate metrics, summed per child (names of :func:`measures`).
COUNTS = ("counted", "decided", "held", "missed", "reached", "hr_held", "hr_missed", "referred", "hr_referred",
          "hr_decided", "under_triaged", "researched", "rag_breach", "day_breach")
#: Changes a child is helped by (positive) or harmed by (negative), each alternative minus baseline
#: with the sign that makes "more" better: a breach avoided, a high-risk child referred, an
#: under-triage corrected; and signals, agency by agency (see :func:`paired_children`).
BENEFITS = {"rag_breach": -1, "day_breach": -1, "hr_referred": 1, "under_triaged": -1}


class NotTheSameChildren(ValueError):
    """The two runs did not see the same children: the alternative changes arrivals or the seed."""


def subject_column(columns: Sequence[str]) -> str:
    """The column that names a child in records with these columns."""
    return next(c for c in SUBJECT_COLUMNS if c in columns)


def subject_keys(frame: pd.DataFrame) -> list[str]:
    """The columns that name a child across two runs: its hub (in a scenario with hubs) and its id.

    Contact ids are numbered in arrival order across a run, group of hubs after group of hubs, and a
    group's run-out (which staffing changes) shifts the next group's ids. Within one hub they rise in
    arrival order, so with hubs a contact is named by its rank within its hub (``subject``), which
    the same arrivals give in both runs; a child id, where records carry one, is used as it is.
    """
    column = subject_column(frame.columns)
    if "hub" not in frame.columns or column != "contact_id":
        return (["hub"] if "hub" in frame.columns else []) + [column]
    frame["subject"] = frame.groupby("hub")["contact_id"].rank(method="first").astype(int)
    return ["hub", "subject"]


def measures(records: list[dict], agencies: Sequence[str]) -> pd.DataFrame:
    """One row per contact with what it adds to each count the metrics are made of (see :data:`COUNTS`),
    and, per agency, whether its desk held a signal for the child and whether the signal reached."""
    frame = pd.DataFrame(records)
    decided = frame["outcome"].notna()
    high = frame["true_risk"].isin(HIGH_RISKS)
    held = frame["signals_held"].where(decided, 0).fillna(0).astype(int)
    missed = frame["signals_missed"].where(decided, 0).fillna(0).astype(int)
    referred = frame["outcome"].isin(REFERRALS)
    out = pd.DataFrame({
        "counted": 1, "decided": decided.astype(int), "held": held, "missed": missed, "reached": held - missed,
        "hr_held": held.where(high, 0), "hr_missed": missed.where(high, 0), "referred": referred.astype(int),
        "hr_referred": (referred & high).astype(int), "hr_decided": (decided & high).astype(int),
        "under_triaged": frame["under_triaged"].astype(bool).astype(int),
        "researched": (frame["rag"].notna() & (frame["rag"] != "blue")).astype(int),
        "rag_breach": frame["rag_breach"].astype(bool).astype(int),
        "day_breach": frame["working_day_breach"].astype(bool).astype(int),
    }, index=frame.index)
    for agency in agencies:
        signal = frame.get(f"signal_{agency}", pd.Series(None, index=frame.index))
        out[f"held_{agency}"] = signal.notna().astype(int)
        out[f"reached_{agency}"] = (signal == "reached").astype(int)
    out["risk"] = frame["true_risk"].map(RISK_LEVELS.index)  # a child's highest over its contacts
    keep = [c for c in ("hub", "child", "child_return", "contact_id", "source", "true_risk", "arrived_h", "outcome",
                        "decision_delay_h") if c in frame.columns]
    return pd.concat([frame[keep], out], axis=1)


def rebuilt_metrics(rows: pd.DataFrame, agencies: Sequence[str]) -> dict[str, float]:
    """The collector's headline metrics computed again from the per-contact counts of one run, by the
    collector's formulas (numerators and denominators as in :meth:`Collector.metrics`)."""
    s = rows.sum(numeric_only=True)

    def ratio(a: float, b: float) -> float:
        return float(a) / float(b) if b else float("nan")

    out = {
        "all_signals_missed_rate": ratio(s["missed"], s["held"]),
        "high_risk_missed_rate": ratio(s["hr_missed"], s["hr_held"]),
        "referral_rate": ratio(s["referred"], s["decided"]),
        "under_triage_rate": ratio(s["under_triaged"], s["hr_decided"]),
        "rag_breach_rate": ratio(s["rag_breach"], s["researched"]),
        "working_day_breach_rate": ratio(s["day_breach"], s["counted"]),
        "contacts_arrived": float(s["counted"]),
    }
    for agency in agencies:
        out[f"all_signals_missed_rate.by_agency.{agency}"] = ratio(
            s[f"held_{agency}"] - s[f"reached_{agency}"], s[f"held_{agency}"])
    return out


def paired_children(base: list[dict], alt: list[dict], agencies: Sequence[str]) -> pd.DataFrame:
    """The children of one replication, one row each: their counts in both runs (``<count>_base``,
    ``<count>_alt``), the changes (``d_<count>``), each agency's signals gained and lost, outcomes, and
    ``effect``: helped, harmed, mixed or unchanged, with a ``score`` (the benefits' sum) to rank them.

    Raises :class:`NotTheSameChildren` if a child is in one run only or arrives at another time (with
    ``[children]``: if a first contact is; a child's returns may differ, see the module's text). A child
    in one run only counts 0 in the other, with ``contact_id_<side>`` -1 there.
    """
    sides, firsts = [], []
    for side, records in zip(SIDES, (base, alt)):
        rows = measures(records, agencies).sort_values("arrived_h", kind="stable")  # a child's contacts in order
        keys = subject_keys(rows)
        first = rows[rows["child_return"] == 0] if "child_return" in rows.columns else rows
        firsts.append(first.groupby(keys, sort=True, dropna=False)["arrived_h"].apply(tuple))
        numeric = [c for c in rows.columns if c in COUNTS or c.startswith(("held_", "reached_"))]
        per_child = rows.groupby(keys, sort=True, dropna=False).agg(
            {**{c: "sum" for c in numeric}, "arrived_h": "min", "risk": "max", "source": "first",
             "contact_id": "first", "outcome": _outcomes, "decision_delay_h": "sum"})
        sides.append(per_child.add_suffix(f"_{side}"))
    _same_first_contacts(*firsts)
    joined = sides[0].join(sides[1], how="outer")
    out = pd.DataFrame(index=joined.index)
    for column in ("source", "arrived_h"):  # the baseline's, or the alternative's for a child only there
        out[column] = joined[f"{column}_base"].where(joined[f"{column}_base"].notna(), joined[f"{column}_alt"])
    out["true_risk"] = [RISK_LEVELS[int(r)] for r in joined[["risk_base", "risk_alt"]].max(axis=1)]
    for side in SIDES:
        out[f"contact_id_{side}"] = joined[f"contact_id_{side}"].fillna(-1).astype(int)
        out[f"outcome_{side}"] = joined[f"outcome_{side}"]
    for count in COUNTS:
        for side in SIDES:
            out[f"{count}_{side}"] = joined[f"{count}_{side}"].fillna(0).astype(int)
        out[f"d_{count}"] = out[f"{count}_alt"] - out[f"{count}_base"]
    for agency in agencies:
        before, after = joined[f"reached_{agency}_base"].fillna(0), joined[f"reached_{agency}_alt"].fillna(0)
        out[f"gained_{agency}"] = (after - before).clip(lower=0).astype(int)
        out[f"lost_{agency}"] = (before - after).clip(lower=0).astype(int)
    for count in ("rag_breach", "day_breach"):
        out[f"{count}_avoided"] = (-out[f"d_{count}"]).clip(lower=0)
        out[f"{count}_caused"] = out[f"d_{count}"].clip(lower=0)
    # open in both runs is no change (pandas would call None != None true)
    out["outcome_changed"] = (out["outcome_base"].fillna("open") != out["outcome_alt"].fillna("open")).astype(int)
    benefits = pd.DataFrame({name: sign * out[f"d_{name}"] for name, sign in BENEFITS.items()})
    # signals agency by agency: one agency's signal now reaching and another's no longer is a mixed
    # change, not none (the score, their sum, is the net change in signals reached all the same)
    for agency in agencies:
        benefits[f"gained_{agency}"], benefits[f"lost_{agency}"] = out[f"gained_{agency}"], -out[f"lost_{agency}"]
    improved, worsened = (benefits > 0).any(axis=1), (benefits < 0).any(axis=1)
    out["score"] = benefits.sum(axis=1)
    out["effect"] = np.select([improved & ~worsened, worsened & ~improved, improved & worsened],
                              ["helped", "harmed", "mixed"], "unchanged")
    return out.reset_index()


def _same_first_contacts(base: pd.Series, alt: pd.Series) -> None:
    """Raise :class:`NotTheSameChildren` unless every child's first contacts (each child's arrival
    times, by its key) are the same in both runs."""
    joined = pd.concat([base.rename("base"), alt.rename("alt")], axis=1)
    lonely = joined["base"].isna() | joined["alt"].isna()
    moved = ~lonely & (joined["base"] != joined["alt"])
    if lonely.any() or moved.any():
        raise NotTheSameChildren(
            f"{int(lonely.sum())} children are in one run only and {int(moved.sum())} arrive at "
            "another time: the change alters the arrivals (or the seed), so the runs do not see the same "
            "children; compare staffing or policy changes, which leave the arrivals alone")


def _outcomes(values: pd.Series) -> str | None:
    """A child's outcomes over its contacts, in arrival order (one contact: its outcome; None: open)."""
    known = [str(v) for v in values if isinstance(v, str)]
    return "+".join(known) if known else None


def totals(children: pd.DataFrame, agencies: Sequence[str]) -> dict[str, float]:
    """One replication's totals over its children: how many were helped, harmed, mixed; signals
    gained and lost (by agency); breaches avoided and caused; referrals gained and lost; and each
    count's baseline sum (``base.<count>``) and net change (``net.<count>``, alternative minus baseline)."""
    effect = children["effect"]
    out: dict[str, float] = {"children": float(len(children))}
    for name in ("helped", "harmed", "mixed"):
        out[f"children_{name}"] = float((effect == name).sum())
    high = children["true_risk"].isin(HIGH_RISKS)
    out["high_risk_helped"] = float(((effect == "helped") & high).sum())
    out["high_risk_harmed"] = float(((effect == "harmed") & high).sum())
    out["outcome_changed"] = float(children["outcome_changed"].sum())
    for change, column in (("now_referred", "d_referred"), ("high_risk_now_referred", "d_hr_referred")):
        out[change] = float(children[column].clip(lower=0).sum())
        out[change.replace("now_", "no_longer_")] = float((-children[column]).clip(lower=0).sum())
    out["signals_gained"] = float(sum(children[f"gained_{a}"].sum() for a in agencies))
    out["signals_lost"] = float(sum(children[f"lost_{a}"].sum() for a in agencies))
    for agency in agencies:
        out[f"signals_gained.{agency}"] = float(children[f"gained_{agency}"].sum())
        out[f"signals_lost.{agency}"] = float(children[f"lost_{agency}"].sum())
    for count in ("rag_breach", "day_breach"):
        out[f"{count}es_avoided"] = float(children[f"{count}_avoided"].sum())
        out[f"{count}es_caused"] = float(children[f"{count}_caused"].sum())
    for count in COUNTS:  # the baseline's sums too: the denominators of its rates
        out[f"net.{count}"] = float(children[f"d_{count}"].sum())
        out[f"base.{count}"] = float(children[f"{count}_base"].sum())
    return out
