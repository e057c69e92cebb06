"""Research cut-offs: each contact's falls due at its time, decided ones are skipped, order is kept."""

from __future__ import annotations

import simpy
from hypothesis import assume, given
from hypothesis import strategies as st

from mashsim.model.contact import Contact
from mashsim.model.cutoffs import CutoffQueue


@given(st.lists(st.tuples(st.floats(0.0, 50.0), st.one_of(st.none(), st.floats(0.0, 60.0))), max_size=40))
def test_every_undecided_contact_reaches_its_cutoff_at_its_time(plan):
    """Contacts queued in order of rating with any cut-off times (in order or not, as when the
    allowance changes mid-run); some are decided at ``decided`` hours, possibly before their cut-off."""
    assume(all(decided != cutoff for cutoff, decided in plan))  # a tie at one instant may go either way
    env = simpy.Environment()
    fired: list[tuple[int, float]] = []

    def due(c: Contact) -> None:
        if c.sent_at is None:
            fired.append((c.id, env.now))
            c.sent_at = env.now

    queue = CutoffQueue(env, due)
    contacts = []
    for i, (cutoff, decided) in enumerate(plan):
        c = Contact(i, 0, 0.0)
        contacts.append((c, cutoff, decided))
        queue.add(cutoff, c)
        if decided is not None:
            env.timeout(decided).callbacks.append(lambda _e, c=c: setattr(c, "sent_at", c.sent_at or env.now))
    env.run()
    expected = sorted((c.id, cutoff) for c, cutoff, decided in contacts if decided is None or decided > cutoff)
    assert sorted(fired) == expected
