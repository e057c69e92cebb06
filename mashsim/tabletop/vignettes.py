"""Case vignettes: contacts waiting at screening, written from what the hub knows of them.

A vignette shows what a screener would see: who referred, about what, whether
the referrer flagged it urgent, what they said (:mod:`.words`), how long it has
waited, and what each agency has returned so far (before screening, nothing:
checks go out once a contact has its RAG).  It never carries the child's true
risk, nor anything drawn from it: :class:`Vignette` is built from
:func:`_seen`, the one place that reads a contact, and reads none of its
risk, its hidden draws or the agencies' unreturned holdings.

Which contacts a team is shown is a sample drawn from the session's seed and
the moment (so the same moment always shows the same ones, and the sample
draws nothing from the model's streams: showing vignettes changes no result).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mashsim.model.contact import Contact
from mashsim.report.trace_text import Clock
from mashsim.scenario.schema import CONCERNS, HubSettings, Scenario
from mashsim.tabletop.words import referrer_says


@dataclass(frozen=True)
class Vignette:
    """One waiting contact as a team reads it (no field holds or derives from its true risk)."""

    contact_id: int
    hub: str | None
    arrived: str  # "09:40 Tuesday 2 September"
    waited_hours: float
    source: str
    concern: str
    urgent: bool  # flagged urgent by the referrer
    referrer_says: str
    returns: tuple[tuple[str, str], ...]  # (agency, what came back) for each agency asked so far

    def text(self) -> str:
        """The vignette as markdown, for the team's screen."""
        lines = [f"**Contact {self.contact_id}**" + (f" ({self.hub})" if self.hub else ""),
                 f"Referred by {self.source.replace('_', ' ')} at {self.arrived}; waiting "
                 f"{self.waited_hours:.1f} hours. Concern: {self.concern.replace('_', ' ')}."
                 + (" The referrer asks for an urgent response." if self.urgent else ""),
                 f"> {self.referrer_says}"]
        if self.returns:
            lines += [f"- {agency}: {said}" for agency, said in self.returns]
        else:
            lines.append("No agency has been asked yet: checks go out once the contact has its RAG.")
        return "\n\n".join(lines)


def _seen(c: Contact, hub: str | None, settings: HubSettings, now: float, clock: Clock) -> Vignette:
    """What a screener sees of ``c`` at ``now``: the only reader of a contact here (never its risk)."""
    source = "backlog" if c.backlog else list(settings.arrivals.sources)[c.source]
    concern = CONCERNS[c.concern]
    agencies = list(settings.agencies)
    returns = tuple((agencies[i], "answered: their systems were down" if i in c.failed
                     else "returned information" if c.carries_signal(i) else "found nothing relevant")
                    for i in c.asked if c.returned and c.returned[i] is not None)
    return Vignette(c.id, hub, clock.when(c.arrived), now - c.arrived, source, concern, bool(c.urgent),
                    referrer_says(source, concern, c.id), returns)


def vignettes_of(live, scenario: Scenario, seed: int, n: int, clock: Clock) -> list[Vignette]:
    """Up to ``n`` of the contacts waiting at screening in ``live`` (a LiveRun) now, as vignettes,
    in order of arrival: contacts of the measured week only (the children a score counts), less
    those the team has rated already."""
    settings = dict(scenario.hub_list())
    waiting = [(name, job.contact) for name, hub in live.group.hubs.items()
               for job in hub.screening.queued() if job.contact.counted and job.contact.id not in hub.team_rags]
    if len(waiting) > n:
        rng = np.random.default_rng([seed, int(round(live.now * 3600))])
        picked = sorted(rng.choice(len(waiting), size=n, replace=False).tolist())
        waiting = [waiting[k] for k in picked]
    return [_seen(c, name, settings[name], live.now, clock) for name, c in waiting]
