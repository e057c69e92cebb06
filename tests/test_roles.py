"""Staffed roles: capacity changes, queue disciplines, cancellation, out-of-hours (urgent-only) duty."""

from __future__ import annotations

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from mashsim.model.roles import BY_DEADLINE, BY_RAG, CANCELLED, DONE, ONE_QUEUE, QUEUED, RED_FIRST, RUNNING, Role


class Log:
    """Records (time started, time finished, name) of each job as it finishes; names are unique."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.hours: dict[str, float] = {}
        self.finished: list[tuple[float, float, str]] = []

    def submit(self, role: Role, name: str, urgent: bool, hours: float, rank: int = 0, due: float = 0.0):
        self.hours[name] = hours
        return role.submit(name, urgent, hours, self, rank if not urgent else 0, due)

    def __call__(self, name: str) -> None:
        now = self.env.now
        self.finished.append((now - self.hours[name], now, name))

    @property
    def order(self) -> list[str]:
        return [name for _, _, name in sorted(self.finished, key=lambda f: (f[0], f[1]))]


def make_role(red_priority: bool = True, capacity: int = 0, urgent_only: bool = False, order: int | None = None):
    env = simpy.Environment()
    role = Role(env, "screeners", order if order is not None else RED_FIRST if red_priority else ONE_QUEUE)
    role.set_staffing(capacity, urgent_only=urgent_only)
    return env, role, Log(env)


def at(env: simpy.Environment, time: float, action) -> None:
    env.timeout(time).callbacks.append(lambda _e: action())


def test_a_new_role_is_off_duty_with_no_one_for_routine_work():
    env = simpy.Environment()
    role = Role(env, "x")
    log = Log(env)
    log.submit(role, "routine", False, 1.0)
    env.run(until=10)
    assert log.finished == [] and role.waiting == 1


def test_capacity_limits_how_many_work_at_once():
    env, role, log = make_role(capacity=2)
    for name in "abc":
        log.submit(role, name, False, 1.0)
    assert (role.busy, role.waiting) == (2, 1)
    env.run()
    assert log.finished == [(0.0, 1.0, "a"), (0.0, 1.0, "b"), (1.0, 2.0, "c")]


def test_raising_capacity_starts_waiting_work_at_once():
    env, role, log = make_role(capacity=0)
    for name in "abc":
        log.submit(role, name, False, 1.0)
    at(env, 3.0, lambda: role.set_staffing(3, urgent_only=False))
    env.run()
    assert [(s, f) for s, f, _ in log.finished] == [(3.0, 4.0)] * 3


def test_lowering_capacity_lets_running_work_finish_but_starts_nothing_new():
    env, role, log = make_role(capacity=2)
    for name in "abcd":
        log.submit(role, name, False, 1.0)
    at(env, 0.5, lambda: role.set_staffing(0, urgent_only=False))
    at(env, 5.0, lambda: role.set_staffing(1, urgent_only=False))
    env.run()
    # a and b finish at 1 (no pre-emption); c and d wait until someone is back at 5, one at a time
    assert log.finished == [(0.0, 1.0, "a"), (0.0, 1.0, "b"), (5.0, 6.0, "c"), (6.0, 7.0, "d")]


def test_lowering_capacity_below_busy_waits_for_enough_to_finish():
    env, role, log = make_role(capacity=3)
    log.submit(role, "a", False, 1.0)
    log.submit(role, "b", False, 2.0)
    log.submit(role, "c", False, 3.0)
    log.submit(role, "d", False, 1.0)
    at(env, 0.5, lambda: role.set_staffing(1, urgent_only=False))
    env.run()
    # after a (t=1) and b (t=2) someone is still busy and one is on duty: d starts when c ends
    assert log.finished == [(0.0, 1.0, "a"), (0.0, 2.0, "b"), (0.0, 3.0, "c"), (3.0, 4.0, "d")]


def test_urgent_work_is_served_first_with_red_priority():
    env, role, log = make_role(red_priority=True, capacity=0)
    log.submit(role, "routine-1", False, 1.0)
    log.submit(role, "routine-2", False, 1.0)
    log.submit(role, "urgent-1", True, 1.0)
    log.submit(role, "routine-3", False, 1.0)
    log.submit(role, "urgent-2", True, 1.0)
    role.set_staffing(1, urgent_only=False)
    env.run()
    assert log.order == ["urgent-1", "urgent-2", "routine-1", "routine-2", "routine-3"]


def test_work_is_served_in_submission_order_without_red_priority():
    env, role, log = make_role(red_priority=False, capacity=0)
    names = ["routine-1", "urgent-1", "routine-2", "urgent-2", "routine-3"]
    for name in names:
        log.submit(role, name, name.startswith("urgent"), 1.0)
    role.set_staffing(1, urgent_only=False)
    env.run()
    assert log.order == names


def test_cancelled_jobs_are_skipped_and_no_longer_waiting():
    env, role, log = make_role(capacity=0)
    jobs = {name: log.submit(role, name, name.startswith("u"), 1.0) for name in ["r1", "u1", "r2", "u2", "r3"]}
    role.cancel(jobs["u1"])
    role.cancel(jobs["r2"])
    assert role.waiting == 3
    assert jobs["u1"].state == CANCELLED and jobs["r1"].state == QUEUED
    role.set_staffing(1, urgent_only=False)
    env.run()
    assert log.order == ["u2", "r1", "r3"]
    assert role.waiting == 0 and role.busy == 0
    assert jobs["u1"].state == CANCELLED and jobs["r3"].state == DONE


def test_cancelling_a_running_job_lets_it_finish():
    env, role, log = make_role(capacity=1)
    job = log.submit(role, "a", False, 2.0)
    assert job.state == RUNNING
    role.cancel(job)
    env.run()
    assert log.finished == [(0.0, 2.0, "a")]
    assert job.state == DONE


def test_out_of_hours_cover_takes_urgent_work_only():
    for red_priority in (True, False):
        env, role, log = make_role(red_priority=red_priority, capacity=1, urgent_only=True)
        log.submit(role, "routine-1", False, 1.0)
        log.submit(role, "urgent-1", True, 1.0)
        log.submit(role, "urgent-2", True, 1.0)
        env.run(until=10)
        assert log.order == ["urgent-1", "urgent-2"], red_priority
        assert role.waiting == 1
        # back on normal duty, the routine work is done
        role.set_staffing(1, urgent_only=False)
        env.run(until=20)
        assert log.order == ["urgent-1", "urgent-2", "routine-1"]


def test_waiting_time_and_started_count_are_kept():
    env, role, log = make_role(capacity=1)
    log.submit(role, "a", False, 2.0)
    log.submit(role, "b", False, 1.0)
    env.run()
    role.close_stats()
    assert role.stats.started == 2
    assert role.stats.wait_total == 2.0  # b waited for a
    # queue area: one waiting for 2 h; 3 h of work, all on duty
    assert role.stats.queue_area == 2.0
    assert role.stats.duty_busy_area == role.stats.duty_capacity_area == 3.0


def test_an_instant_task_with_someone_free_is_done_at_once_without_a_job_or_an_event():
    env, role, log = make_role(capacity=1)
    assert log.submit(role, "a", False, 0.0) is None
    assert log.finished == [(0.0, 0.0, "a")] and not env._queue
    assert (role.busy, role.waiting, role.stats.started, role.stats.waited) == (0, 0, 1, 0)


def test_an_instant_task_that_must_wait_is_done_when_someone_comes_on_duty():
    env, role, log = make_role(capacity=0)
    job = log.submit(role, "a", False, 0.0)
    assert job is not None and job.state == QUEUED
    at(env, 2.0, lambda: role.set_staffing(1, urgent_only=False))
    env.run()
    assert log.finished == [(2.0, 2.0, "a")] and job.state == DONE
    assert (role.stats.waited, role.stats.wait_total) == (1, 2.0)


# ------------------------------------------------------------------------ shifts and overtime


def test_out_of_hours_cover_starts_at_once_while_the_day_staff_finish_in_overtime():
    env, role, log = make_role(capacity=2)
    log.submit(role, "day-1", False, 3.0)
    log.submit(role, "day-2", False, 3.0)
    at(env, 1.0, lambda: role.set_staffing(1, urgent_only=True))  # 17:00: two busy, one cover comes on
    at(env, 1.5, lambda: log.submit(role, "urgent", True, 1.0))
    at(env, 1.6, lambda: log.submit(role, "urgent-2", True, 1.0))
    env.run()
    # the cover is capacity of its own: it takes the urgent one at once, then the next when it is free,
    # not when the overtime ends
    assert log.finished == [(1.5, 2.5, "urgent"), (0.0, 3.0, "day-1"), (0.0, 3.0, "day-2"),
                            (2.5, 3.5, "urgent-2")]
    assert (role.busy, role.overtime) == (0, 0)


def test_the_day_staff_start_at_once_while_the_cover_finishes_in_overtime():
    env, role, log = make_role(capacity=1, urgent_only=True)
    log.submit(role, "urgent", True, 4.0)
    for name in ("a", "b"):
        log.submit(role, name, False, 1.0)
    at(env, 1.0, lambda: role.set_staffing(2, urgent_only=False))  # 09:00: two come on, the cover still busy
    env.run()
    assert log.finished == [(1.0, 2.0, "a"), (1.0, 2.0, "b"), (0.0, 4.0, "urgent")]
    role.close_stats()
    # on duty from 1 to 4: two staff plus the cover in overtime until 4 count as capacity, and busy
    assert role.stats.duty_capacity_area == 2 * 3.0 + 3.0
    assert role.stats.duty_busy_area == 2 * 1.0 + 3.0


def test_a_cut_in_headcount_within_a_shift_is_no_change_of_shift():
    env, role, log = make_role(capacity=2)
    log.submit(role, "a", False, 3.0)
    log.submit(role, "b", False, 3.0)
    log.submit(role, "c", False, 1.0)
    at(env, 1.0, lambda: role.set_staffing(1, urgent_only=False))  # someone goes home ill: no overtime
    env.run()
    assert log.finished[-1] == (3.0, 4.0, "c")
    assert role.overtime == 0


# ------------------------------------------------------------------------ queue disciplines


def test_by_rag_serves_red_then_amber_then_green_first_come_first_served_within_each():
    env, role, log = make_role(order=BY_RAG)
    for name, urgent, rank in [("g1", False, 2), ("a1", False, 1), ("r1", True, 0), ("g2", False, 2),
                               ("a2", False, 1), ("r2", True, 0)]:
        log.submit(role, name, urgent, 1.0, rank)
    role.set_staffing(1, urgent_only=False)
    env.run()
    assert log.order == ["r1", "r2", "a1", "a2", "g1", "g2"]


def test_by_deadline_serves_the_earliest_deadline_first_ties_first_come():
    env, role, log = make_role(order=BY_DEADLINE)
    for name, urgent, due in [("late", False, 50.0), ("soon", False, 5.0), ("red", True, 8.0),
                              ("tie-1", False, 20.0), ("tie-2", False, 20.0)]:
        log.submit(role, name, urgent, 1.0, 2, due)
    role.set_staffing(1, urgent_only=False)
    env.run()
    assert log.order == ["soon", "red", "tie-1", "tie-2", "late"]  # not pre-emptive, not Red first


def test_out_of_hours_cover_takes_urgent_work_only_in_every_order():
    for order in (ONE_QUEUE, RED_FIRST, BY_RAG, BY_DEADLINE):
        env, role, log = make_role(capacity=1, urgent_only=True, order=order)
        log.submit(role, "amber", False, 1.0, 1, 0.0)  # the earliest deadline, but not urgent
        log.submit(role, "urgent-1", True, 1.0, 0, 4.0)
        log.submit(role, "urgent-2", True, 1.0, 0, 3.0)
        env.run(until=10)
        assert set(log.order) == {"urgent-1", "urgent-2"} and role.waiting == 1, order
        role.set_staffing(1, urgent_only=False)
        env.run(until=20)
        assert log.order[-1] == "amber", order


def test_a_change_of_order_requeues_waiting_work_in_the_new_order():
    env, role, log = make_role(order=RED_FIRST)
    jobs = [log.submit(role, name, False, 1.0, rank, due)
            for name, rank, due in [("g", 2, 30.0), ("a", 1, 40.0), ("g-soon", 2, 10.0)]]
    role.cancel(jobs[0])
    role.set_order(BY_DEADLINE)
    role.set_staffing(1, urgent_only=False)
    env.run()
    assert log.order == ["g-soon", "a"]


_JOBS = st.lists(st.tuples(st.booleans(), st.integers(1, 2), st.floats(0.0, 100.0), st.booleans()),
                 min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(_JOBS, st.sampled_from([ONE_QUEUE, RED_FIRST, BY_RAG, BY_DEADLINE]))
def test_one_server_takes_the_live_jobs_in_the_orders_sort_order(jobs, order):
    """Whatever arrives and is cancelled, a server taking the queue one at a time serves exactly the jobs
    not cancelled, sorted by the order's key (non-preemptive: the queue is complete before it starts)."""
    env, role, log = make_role(order=order)
    submitted = [(log.submit(role, str(i), urgent, 1.0, rank, due), i, urgent, rank, due)
                 for i, (urgent, rank, due, _) in enumerate(jobs)]
    for (job, *_), (*_, cancel) in zip(submitted, jobs):
        if cancel:
            role.cancel(job)
    role.set_staffing(1, urgent_only=False)
    env.run()
    key = {ONE_QUEUE: lambda j: j[1], RED_FIRST: lambda j: (not j[2], j[1]),
           BY_RAG: lambda j: (0 if j[2] else j[3], j[1]), BY_DEADLINE: lambda j: (j[4], j[1])}[order]
    live = [j for j, (*_, cancel) in zip(submitted, jobs) if not cancel]
    assert log.order == [str(j[1]) for j in sorted(live, key=key)]
    assert role.waiting == 0
