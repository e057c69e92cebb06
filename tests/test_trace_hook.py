"""The hub's trace hook: every step of every contact, in time order (the basis of case traces)."""

from collections import defaultdict

import mashsim


def test_trace_events_are_in_time_order_and_complete():
    scenario = mashsim.load_scenario("london-borough", ["run.horizon_days=14", "run.warmup_days=0"])
    events = defaultdict(list)
    counted = set()

    def hook(t, kind, c, detail):
        events[c.id].append((t, kind, detail))
        if c.counted:
            counted.add(c.id)

    result = mashsim.simulate(scenario, seed=3, trace=hook)
    # the trace goes on through the run-out: the window's contacts decided after its end are traced,
    # and so are the run-out's own arrivals (which count in no metric)
    decided = [events[k] for k in counted if "decided" in [kind for _, kind, _ in events[k]]]
    m = result.metrics
    assert len(decided) == m["contacts_decided"] + m["contacts_decided_in_runout"]
    assert len(counted) == m["contacts_arrived"]
    for timeline in events.values():
        times = [t for t, _, _ in timeline]
        assert times == sorted(times)
        assert timeline[0][1] == "arrived"
        kinds = [k for _, k, _ in timeline]
        if "decided" in kinds:
            assert kinds.index("screened") < kinds.index("decided")
            assert kinds.count("decided") == 1
            # after the decision, only a return that came too late to count (a desk cut off at the deadline)
            assert set(kinds[kinds.index("decided") + 1:]) <= {"returned late"}


def test_initial_backlog_is_worked_off_and_counted():
    scenario = mashsim.load_scenario(
        "london-borough",
        ["run.horizon_days=7", "run.warmup_days=0", "roles.screeners.initial_backlog=40",
         "agencies.police.initial_backlog=10", "roles.managers.initial_backlog=5"],
    )
    empty = mashsim.load_scenario("london-borough", ["run.horizon_days=7", "run.warmup_days=0"])
    with_run, without_run = mashsim.simulate(scenario, seed=5, record=True), mashsim.simulate(empty, seed=5, record=True)
    with_backlog, without = with_run.metrics, without_run.metrics

    def paired(records: list[dict]) -> int:
        """Contacts that arrive whatever the hub does: all but the returns its own decisions bring."""
        return sum(1 for r in records if r["child_return"] == 0 or r["pre_run_return"])

    # the backlog contacts arrive at time 0, inside the window: 55 more contacts to account for (the
    # returns of the run's own decisions can differ: the backlog delays decisions, the feedback modelled)
    assert paired(with_run.records) == paired(without_run.records) + 55
    assert with_backlog["contacts_arrived"] == len(with_run.records)
    assert with_backlog["contacts_arrived"] == with_backlog["contacts_decided"] + with_backlog["contacts_open_at_end"]
    assert with_backlog["wait_hours.by_role.screeners"] > without["wait_hours.by_role.screeners"]
