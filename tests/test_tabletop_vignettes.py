"""Case vignettes never reveal a child's true risk, and showing them changes nothing."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import pytest
from hypothesis import given, strategies as st

import mashsim
from mashsim.model.contact import Contact
from mashsim.model.stages import DECIDE, STAGES
from mashsim.scenario.schema import RAGS, RISK_LEVELS
from mashsim.tabletop import Session
from mashsim.tabletop.vignettes import Vignette, _seen
from test_tabletop import until_someone_waits

# what a contact holds that follows from its true risk, or is hidden from a screener
HIDDEN = {"risk", "holds", "unmatched", "lost", "u_screen", "u_reveal", "u_outcome", "research_hours",
          "stage_hours", "correct_outcome", "kinds"}


@pytest.fixture(scope="module")
def waiting():
    """A session paused with contacts waiting at screening, and one of them."""
    session = Session(mashsim.load_scenario("exercise-september-outage"))
    session.run_to_next_stop()
    until_someone_waits(session, 3)
    vignette = session.vignettes(1)[0]
    hub = session.live.hub_screening(vignette.contact_id)
    contact = next(j.contact for j in hub.screening.queued() if j.contact.id == vignette.contact_id)
    return session, contact


@contextmanager
def changed(c: Contact, **changes):
    """``c`` with some fields changed, put back afterwards (in place: a compiled Contact cannot be copied
    field by field from Python, and the session is only read)."""
    saved = {name: getattr(c, name) for name in changes}
    try:
        for name, value in changes.items():
            setattr(c, name, value)
        yield c
    finally:
        for name, value in saved.items():
            setattr(c, name, value)


def test_a_vignette_has_no_field_for_risk_or_rag():
    names = {f.name for f in dataclasses.fields(Vignette)}
    assert not names & {"risk", "true_risk", "correct_rag", "rag", "decided_rag", "outcome", *HIDDEN}


@given(risk=st.integers(0, 3), draws=st.tuples(*[st.floats(0, 1, exclude_max=True)] * 3),
       holds=st.lists(st.booleans(), min_size=6, max_size=6), lost=st.lists(st.booleans(), min_size=6, max_size=6),
       hours=st.floats(0.01, 40))
def test_two_children_alike_but_for_their_risk_and_hidden_draws_read_the_same(waiting, risk, draws, holds, lost,
                                                                             hours):
    session, contact = waiting
    settings = dict(session.scenario.hub_list())[None]
    shown = _seen(contact, None, settings, session.now, session.clock)
    with changed(contact, risk=risk, u_screen=draws[0], u_reveal=draws[1], u_outcome=draws[2], holds=holds,
                 lost=lost, unmatched=list(reversed(holds)),
                 stage_hours=[hours if stage == DECIDE else h for stage, h in zip(STAGES, contact.stage_hours)]
                 ) as twin:
        twin_shown = _seen(twin, None, settings, session.now, session.clock)
    assert twin_shown == shown and twin_shown.text() == shown.text()
    words = twin_shown.text().lower()
    assert not any(f"{level} risk" in words for level in RISK_LEVELS)
    assert not any(rag in words.split() for rag in RAGS)


def test_showing_vignettes_changes_no_result_and_a_moment_shows_the_same_ones():
    september = mashsim.load_scenario("exercise-september-outage")
    looked, plain = Session(september), Session(september)
    shown = []
    while not looked.finished:
        shown.append([v.contact_id for v in looked.vignettes(4)])
        assert [v.contact_id for v in looked.vignettes(4)] == shown[-1]
        looked.step(2)
    assert any(len(s) == 4 for s in shown)
    assert looked.live.result().records == plain.live.result().records


def test_vignettes_show_only_contacts_of_the_measured_week_waiting_at_screening(waiting):
    session, _ = waiting
    queued = {j.contact.id: j.contact for j in session.live.hub(None).screening.queued()}
    for vignette in session.vignettes(50):
        assert queued[vignette.contact_id].counted and queued[vignette.contact_id].screened_at is None
        assert vignette.referrer_says and vignette.source in ("police", "schools", "health", "local_authority",
                                                              "individual", "other")
