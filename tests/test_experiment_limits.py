"""Experiments too large or too strange to build are refused before anything is built: exit 2 naming
the file, the field, the count and the bound, no traceback, nothing written (issue 13).

Each test would hang, fill memory or end in a traceback without its check; the sweep is given
``--out`` in a temporary folder, which must not exist afterwards.
"""

from __future__ import annotations

import json

import pytest

from experiments import assert_sweep_refused, write_experiment
from mashsim.experiment import limits
from mashsim.experiment.designs import count_points, make_points
from mashsim.experiment.plan import make_plan
from mashsim.experiment.staffing import Lever, most_mixes_run
from support import DEFAULT_SCENARIO, REPO
from test_cli import run_cli

HEAD = 'name = "x"\nscenario = "small.toml"\n'
POLICE = '[[factors]]\npath = "agencies.police.staff"\nvalues = [1, 2]\n'
UNDER = '[[factors]]\npath = "screening.under_rating"\n'


def refused(capsys, tmp_path, body: str, field: str, fragment: str, *options: str) -> None:
    """``sweep`` (and ``sweep --dry-run``) of HEAD + body exit 2 naming field and fragment, writing nothing."""
    path = write_experiment(tmp_path, HEAD + body)
    assert_sweep_refused(capsys, path, tmp_path / "out", field, fragment)
    code, out, err = run_cli(capsys, "sweep", path, "--dry-run", "--out", tmp_path / "out", *options)
    assert code == 2 and field in err and fragment in err and "Traceback" not in err and out == ""
    assert not (tmp_path / "out").exists()


NOT_FINITE = [
    (UNDER + "range = { from = 0.1, to = nan }", "factors.0.range.to"),
    (UNDER + "range = { from = -inf, to = 0.5 }", "factors.0.range.from"),
    (UNDER + "range = { from = 0.1, to = 0.5, step = inf }", "factors.0.range.step"),
    (UNDER + "values = [0.1, nan]", "factors.0.values.1"),
    (UNDER + 'bounds = [0.1, inf]\n[design]\nkind = "lhs"\nn = 4', "factors.0.bounds.1"),
    ('set = { "run.horizon_days" = nan }\n' + POLICE, "set.run.horizon_days"),
    ('set = { run = { warmup_days = -inf } }\n' + POLICE, "set.run.warmup_days"),
    (POLICE + "[replications]\nmetric = \"all_signals_missed_rate\"\nrelative_half_width = nan", "replications."
                                                                                           "relative_half_width"),
]


@pytest.mark.parametrize("body,field", NOT_FINITE, ids=[f for _, f in NOT_FINITE])
def test_inf_and_nan_anywhere_are_refused_naming_the_field(capsys, tmp_path, body, field):
    refused(capsys, tmp_path, body, field, "must be a finite number")


TOO_LARGE = [
    (POLICE.replace("values = [1, 2]", 'range = "1..100000000"'), "factors.0.range",
     "the range holds 100,000,000 values: at most 10,000 values of one factor"),
    (UNDER + "range = { from = 0, to = 1, step = 1e-9 }", "factors.0.range", "the range holds 1,000,000,00"),
    (UNDER + "range = { from = -1e308, to = 1e308, step = 1e-300 }", "factors.0.range", "too many values to count"),
    (UNDER + 'bounds = [-1e308, 1e308]\n[design]\nkind = "lhs"\nn = 4', "factors.0.bounds", "too far apart"),
    (POLICE.replace("[1, 2]", str(list(range(1, 10_002)))), "factors.0.values", "10,001 values: at most 10,000"),
    (POLICE + "[replications]\nn = 1000000000", "replications.n",
     "1,000,000,000 replications per point: at most 10,000"),
    (POLICE + '[replications]\nmetric = "all_signals_missed_rate"\nrelative_half_width = 0.1\nmax = 100000',
     "replications.max", "100,000 replications per point: at most 10,000"),
    (POLICE + '[replications]\nn = 2\nbatch = 1000000', "replications.batch", "at most 10,000"),
    ('set = { "run.replications" = 20000 }\n' + POLICE, "replications", "at most 10,000"),
    (POLICE.replace("values = [1, 2]", 'range = "1..1000"') + '[[factors]]\npath = "roles.screeners.staff"\n'
     'range = "1..1000"', "factors", "a grid of 1,000 x 1,000 values has 1,000,000 points: at most 100,000 design "
                                     "points"),
    (POLICE.replace("values = [1, 2]", 'range = "1..1000"') + "[replications]\nn = 2000", "replications.n",
     "1,000 points x 2,000 replications = 2,000,000: at most 1,000,000 replications in all"),
    (UNDER + 'bounds = [0.1, 0.2]\n[design]\nkind = "lhs"\nn = 1000000000', "design.n",
     "the design has 1,000,000,000 points"),
    (UNDER + 'bounds = [0.1, 0.2]\n[design]\nkind = "morris"\ntrajectories = 1000000000', "design.trajectories",
     "1,000,000,000 trajectories x (1 factors + 1) = 2,000,000,000 points"),
    (UNDER + 'bounds = [0.1, 0.2]\n[design]\nkind = "morris"\ntrajectories = 4\nlevels = 1000000000',
     "design.levels", "at most 1,000 (4 to 8 are usual"),
    (UNDER + 'bounds = [0.1, 0.2]\n[design]\nkind = "sobol"\nn = 1073741824\nsecond_order = true', "design.n",
     "n = 1,073,741,824 x (2 x 1 factors + 2) = 4,294,967,296 points"),
    ("seed = 100000000000000000000\n" + POLICE, "seed", "beyond a 64-bit integer"),
    ("seed = 9223372036854775808\n" + POLICE, "seed", "beyond a 64-bit integer"),
    ('set = { "run.seed" = 100000000000000000000 }\n' + POLICE, "set.run.seed", "beyond a 64-bit integer"),
    (POLICE.replace("[1, 2]", "[1, 2, 1.0]"), "factors.0.values", "1.0 twice in values"),
    (UNDER + "range = { from = 0, to = 1e-10, step = 1e-11 }", "factors.0.range", "twice in the range's values"),
]


@pytest.mark.parametrize("body,field,fragment", TOO_LARGE, ids=[t[1] + ":" + t[2][:30] for t in TOO_LARGE])
def test_designs_too_large_to_build_are_refused_with_the_count_and_the_bound(capsys, tmp_path, body, field,
                                                                             fragment):
    refused(capsys, tmp_path, body, field, fragment)


def test_set_on_the_command_line_is_held_to_the_same_checks(capsys, tmp_path):
    for assignment, field in (("run.horizon_days=inf", "set.run.horizon_days"),
                              ("run.seed=99999999999999999999", "set.run.seed")):
        path = write_experiment(tmp_path, HEAD + POLICE)
        code, out, err = run_cli(capsys, "sweep", path, "--out", tmp_path / "out", "--set", assignment)
        assert code == 2 and field in err and "Traceback" not in err and out == ""
        assert not (tmp_path / "out").exists()


def test_the_largest_seed_results_can_store_is_accepted(tmp_path):
    plan = make_plan(write_experiment(tmp_path, HEAD + f"seed = {limits.SEED}\n" + POLICE))
    assert plan.seed == 2**63 - 1


def test_a_design_at_the_bound_is_accepted_and_one_past_it_refused(tmp_path, monkeypatch):
    # the bound is the one place the size is decided: lowered here so the test builds few points
    monkeypatch.setattr(limits, "POINTS", limits.Limit(6, "design points", "a test's bound"))
    body = POLICE.replace("[1, 2]", "[1, 2, 3]") + '[[factors]]\npath = "roles.screeners.staff"\nvalues = [2, 3]\n'
    assert len(make_plan(write_experiment(tmp_path, HEAD + body)).points) == 6
    with pytest.raises(Exception, match="a grid of 3 x 3 values has 9 points: at most 6 design points"):
        make_plan(write_experiment(tmp_path, HEAD + body.replace("[2, 3]", "[2, 3, 4]")))


@pytest.mark.parametrize("kind,options", [("grid", {}), ("lhs", {"n": 7}), ("morris", {"trajectories": 3}),
                                          ("sobol", {"n": 8}), ("sobol", {"n": 4, "second_order": True})])
def test_points_are_counted_as_the_designs_make_them(kind, options):
    class F:
        def __init__(self, i, values):
            self.path, self.values, self.integer = f"f{i}", values, False
            self.bounds = (0.0, 1.0)

    factors = [F(0, [1, 2, 3]), F(1, [1, 2]), F(2, [5, 6, 7, 8])]
    made = make_points(kind, factors, 3, **options)
    assert count_points(kind, [len(f.values) for f in factors], **options) == len(made.points)


# ----------------------------------------------------------------------------- dry run


def test_dry_run_prints_the_size_and_writes_nothing(capsys, tmp_path):
    path = write_experiment(tmp_path, HEAD + POLICE + '[[factors]]\npath = "roles.screeners.staff"\n'
                                                     'range = "2..4"\n[replications]\nn = 5\n')
    out = tmp_path / "out"
    code, text, err = run_cli(capsys, "sweep", path, "--dry-run", "--out", out)
    assert code == 0 and err == ""
    assert "grid: 6 points over 2 factors" in text and "5 per point; at most 30 in all" in text
    assert f"{out}/ (nothing run, nothing written)" in text
    code, text, _ = run_cli(capsys, "sweep", path, "--dry-run", "--json", "--out", out)
    size = json.loads(text)
    assert size["points"] == 6 and size["replications"] == {"n": 5} and size["replications_at_most"] == 30
    assert size["factors"] == {"agencies.police.staff": 2, "roles.screeners.staff": 3} and size["seed"] == 7
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["experiment.toml", "small.toml"]


def test_dry_run_of_every_shipped_experiment_passes(capsys):
    for path in sorted((REPO / "experiments").glob("*.toml")):
        code, text, err = run_cli(capsys, "sweep", path, "--dry-run", "--json")
        assert code == 0, err
        size = json.loads(text)
        assert size["replications_at_most"] <= limits.RUNS.high and size["points"] <= limits.POINTS.high


# ----------------------------------------------------------------------------- the wrong kind of file


@pytest.mark.parametrize("command", ["run", "validate", "show"])
def test_an_experiment_given_to_a_scenario_command_is_named_as_one(capsys, command):
    path = REPO / "experiments" / "staffing-grid.toml"
    code, out, err = run_cli(capsys, command, path)
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"this is an experiment file, not a scenario: use `mashsim sweep {path}`" in err
    assert "unknown field" not in err


def test_a_scenario_given_to_sweep_is_named_as_one(capsys, tmp_path):
    code, out, err = run_cli(capsys, "sweep", DEFAULT_SCENARIO, "--out", tmp_path / "out")
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"this is a scenario file, not an experiment: use `mashsim run {DEFAULT_SCENARIO}`" in err
    assert "unknown field" not in err and not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- mashsim staff


STAFF_BAD = [
    (["--vary", "agencies.police.staff=1..100000000"], "--vary", "the range holds 100,000,000 values"),
    (["--vary", "agencies.police.staff=1..1" + "9" * 5000], "--vary", "whole numbers from 0 to 999999999"),
    (["-r", "1000000"], "--replications", "1,000,000 replications per point: at most 10,000"),
    (["--max-replications", "100000"], "--max-replications", "100,000 replications per point: at most 10,000"),
    (["--seed", str(2**63)], "--seed", "at most 2**63 - 1"),
    (["--target", "all_signals_missed_rate<=1e400"], "--target", "the threshold must be a finite number"),
    (["--target", "all_signals_missed_rate<=" + "9" * 5000], "--target", "the threshold must be a finite number"),
    (["--vary", "agencies.police.staff=1..3000", "--vary", "roles.screeners.staff=1..3000", "--max-replications",
      "40"], "--vary", "the search may run 39,005 mixes x 40 replications"),
]


@pytest.mark.parametrize("extra,field,message", STAFF_BAD, ids=[b[1] + ":" + b[2][:20] for b in STAFF_BAD])
def test_staff_input_too_large_exits_2_naming_the_option(extra, field, message, capsys):
    args = ["staff", DEFAULT_SCENARIO, "-r", "3", "--target", "all_signals_missed_rate<=0.9"]
    if "--vary" not in extra:
        args += ["--vary", "agencies.police.staff=1..2"]
    code, out, err = run_cli(capsys, *args, *extra)
    assert code == 2 and out == "" and "Traceback" not in err
    assert field in err and message in err, err


@pytest.mark.parametrize("widths", [[1], [2], [7], [3, 5], [4, 4, 2]])
def test_most_mixes_run_bounds_every_search(widths):
    from mashsim.experiment.staffing import search_staffing
    from mashsim.experiment.targets import Target

    levers = [Lever(f"l{i}", 1, w) for i, w in enumerate(widths)]
    run = []

    def replicate(settings, indices):
        run.append(tuple(settings.values()))
        # met once the staff add up to more than half the largest total: a monotone target
        return [[float(sum(settings.values()) <= sum(widths) / 2)] for _ in indices]

    search_staffing(levers, [Target("m", "<=", 0.5)], replicate, seed=1, replications=2, max_replications=2)
    assert len(set(run)) <= most_mixes_run(levers)
