"""The dashboard's run over a parameter ensemble: the plain part (upload, checks, limits, table)
and the page's section, shown only where the server allows ensembles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mashsim.app import ensemble_state, limits
from mashsim.experiment.ensemble import write_ensemble
from mashsim.scenario import ScenarioError
from support import small_scenario

PAGE = Path(__file__).resolve().parents[1] / "mashsim" / "app" / "page.py"


def ensemble_bytes(tmp_path, columns, metadata=None) -> bytes:
    path = tmp_path / "e.parquet"
    write_ensemble(path, columns, metadata)
    return path.read_bytes()


def test_an_upload_runs_over_its_members_and_the_table_splits_each_interval(tmp_path):
    data = ensemble_bytes(tmp_path, {"arrivals.scale": np.linspace(0.7, 1.3, 4)}, {"scenario": "other"})
    result, warnings = ensemble_state.run_over_ensemble(small_scenario(), "e.parquet", data, 10, 2, limits.SERVED)
    assert len(result.rows) == 4 and len(result.replications) == 8
    assert warnings and "made for scenario 'other'" in warnings[0]
    table = ensemble_state.split_table(result).set_index("metric")
    row = table.loc["contacts_arrived"]
    assert row["± parameters"].startswith("±") and row["share of variance from parameters"].endswith("%")
    assert result.summary()["contacts_arrived"].param_share > 0.5


def test_a_bad_upload_or_a_run_too_big_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(ScenarioError, match="not a readable Parquet file"):
        ensemble_state.run_over_ensemble(small_scenario(), "x.parquet", b"not parquet", 2, 2, limits.SERVED)
    data = ensemble_bytes(tmp_path, {"arrivals.scale": [1.0, 1.1]})
    tiny = limits.Limits(upload_kb=256, contacts=100, replication_days=5_000, runs=1, run_seconds=0)
    with pytest.raises(limits.LimitReached, match="contacts"):
        ensemble_state.run_over_ensemble(small_scenario(), "e.parquet", data, 2, 2, tiny)
    too_small = limits.Limits(upload_kb=0, contacts=100, replication_days=5_000, runs=1, run_seconds=0)
    with pytest.raises(ScenarioError, match="uploads up to"):
        ensemble_state.run_over_ensemble(small_scenario(), "e.parquet", data, 2, 2, too_small)


def test_ensembles_are_for_this_machine_unless_the_server_allows_them():
    from mashsim.commands import serve

    assert limits.ensembles_allowed({limits.ENSEMBLES_ENV: "1"})
    assert not limits.ensembles_allowed({})
    parser = __import__("argparse").ArgumentParser()
    serve.add_arguments(parser)
    assert parser.parse_args(["--ensembles"]).ensembles


@pytest.mark.parametrize("allowed", [True, False])
def test_the_page_shows_the_ensemble_section_only_where_allowed(allowed, monkeypatch):
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(limits.ENSEMBLES_ENV, "1" if allowed else "0")
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.run()
    assert not at.exception
    switches = [t for t in at.toggle if "parameter ensemble" in t.label]
    assert len(switches) == allowed
    assert parquet_uploads(at) == 0  # no upload box until the switch is on (the scenario's is a TOML one)
    if allowed:
        switches[0].set_value(True)
        at.run()
        assert not at.exception
        assert parquet_uploads(at) == 1


def parquet_uploads(at) -> int:
    return sum(".parquet" in list(u.proto.type) for u in at.get("file_uploader"))
