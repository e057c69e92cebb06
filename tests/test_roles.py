"""Staffed roles: capacity changes, priority, FIFO, cancellation, out-of-hours (urgent-only) duty."""

from __future__ import annotations

import simpy

from mashsim.model.roles import CANCELLED, DONE, QUEUED, RUNNING, Role


class Log:
    """Records (time started, time finished, name) of each job as it finishes; names are unique."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.hours: dict[str, float] = {}
        self.finished: list[tuple[float, float, str]] = []

    def submit(self, role: Role, name: str, urgent: bool, hours: float):
        self.hours[name] = hours
        return role.submit(name, urgent, hours, self)

    def __call__(self, name: str) -> None:
        now = self.env.now
        self.finished.append((now - self.hours[name], now, name))

    @property
    def order(self) -> list[str]:
        return [name for _, _, name in sorted(self.finished, key=lambda f: (f[0], f[1]))]


def make_role(red_priority: bool = True, capacity: int = 0, urgent_only: bool = False):
    env = simpy.Environment()
    role = Role(env, "screeners", red_priority)
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
