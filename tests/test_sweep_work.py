"""How a sweep cuts its replications into tasks: every missing row handed out exactly once, big
tasks first and single replications at the tail, a failing point failing alone."""

from __future__ import annotations

import json
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

import experiments
from experiments import GRID, write_experiment
from mashsim.experiment.engines import Engine, open_engine
from mashsim.experiment.plan import make_plan
from mashsim.experiment.sweep import run_sweep
from mashsim.experiment.work import MAX_TASK_REPLICATIONS, FixedWork, Task


def stand_in_plan(points: int, n: int, batch: int | None = None) -> SimpleNamespace:
    """What FixedWork reads of a plan: its points and its replications table."""
    return SimpleNamespace(points=[{}] * points, replications=SimpleNamespace(n=n, batch=batch))


def all_tasks(work: FixedWork) -> list[Task]:
    tasks = []
    while (task := work.next()) is not None:
        tasks.append(task)
    return tasks


@given(points=st.integers(1, 40), n=st.integers(1, 60), slots=st.integers(1, 32),
       stored=st.sets(st.tuples(st.integers(0, 39), st.integers(0, 59)), max_size=200),
       batch=st.none() | st.integers(1, 10))
def test_every_missing_row_is_handed_out_exactly_once_in_consecutive_pieces(points, n, slots, stored, batch):
    done: dict[int, set[int]] = {}
    for point, replication in stored:
        done.setdefault(point, set()).add(replication)
    work = FixedWork(stand_in_plan(points, n, batch), done, slots)
    tasks = all_tasks(work)
    handed = [(p, r) for task in tasks for p, reps in task.pieces for r in reps]
    missing = {(p, r) for p in range(points) for r in range(n) if r not in done.get(p, ())}
    assert len(handed) == len(set(handed)) == work.total and set(handed) == missing
    for task in tasks:
        assert task.pieces and all(reps == list(range(reps[0], reps[-1] + 1)) for _, reps in task.pieces)
        if batch:  # as asked: one point a task, at most ``batch`` replications
            assert len(task.pieces) == 1 and task.size <= batch
        else:
            assert 1 <= task.size <= MAX_TASK_REPLICATIONS
    if not batch:
        # guided sizes never grow, and once no more than two tasks a worker are left, every task
        # is one replication, for the workers to share at the tail
        sizes = [t.size for t in tasks]
        assert sizes == sorted(sizes, reverse=True)
        left = work.total
        for size in sizes:
            assert size == 1 or left > 2 * slots
            left -= size
        tail = min(work.total, slots)  # at least a replication for each worker at the end
        assert sizes[len(sizes) - tail:] == [1] * tail


def test_task_sizes_shrink_from_a_share_of_the_work_to_one_replication():
    # 128 replications on 16 workers: 4 a task at first, then 3, 2 and one at the tail
    sizes = [t.size for t in all_tasks(FixedWork(stand_in_plan(2, 64), {}, 16))]
    assert sizes[0] == 4 and sizes[-16:] == [1] * 16 and sorted(sizes, reverse=True) == sizes
    assert len(sizes) < 128 * 0.6  # fewer dispatches and part files than one a replication
    # a wave of a thousand points of one replication each: tasks span points
    tasks = all_tasks(FixedWork(stand_in_plan(1000, 1), {}, 16))
    assert tasks[0].size == MAX_TASK_REPLICATIONS and len(tasks[0].pieces) == MAX_TASK_REPLICATIONS
    assert len(tasks) < 250


def test_a_failing_point_in_a_task_of_several_points_fails_alone(tmp_path):
    # six points of three replications on one worker: the first task is points 0 to 2, and point 2
    # (police staff 2) fails; the retry runs each point apart, so only points 2 and 3 fail
    plan = make_plan(write_experiment(tmp_path, GRID.replace("values = [1, 2]", "values = [1, 2, 3]")))
    assert [p for p, _ in FixedWork(plan, {}, 1).next().pieces] == [0, 1, 2]
    with Engine() as engine:
        summary = run_sweep(plan, tmp_path / "out", engine, task=experiments.failing_point_batch)
    assert {f["point"] for f in summary.failures} == {2, 3}
    assert summary.rows_stored == 4 * 3
    logged = [json.loads(line) for line in (tmp_path / "out" / "failures.jsonl").read_text().splitlines()]
    assert sorted(entry["point"] for entry in logged) == [2, 3]


def test_warming_up_starts_every_worker_process():
    # the benchmark times start-up apart from the work: after warm_up every worker is running
    with open_engine("local", 2) as engine:
        assert engine.warm_up() == 2
    with Engine() as engine:
        assert engine.warm_up() == 1
