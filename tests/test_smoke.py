import mashsim


def test_default_scenario_runs_and_accounts_for_every_contact():
    scenario = mashsim.load_scenario("london-borough", ["run.horizon_days=28", "run.warmup_days=7"])
    result = mashsim.simulate(scenario, seed=1)
    m = result.metrics
    assert m["contacts_arrived"] > 0
    assert m["contacts_arrived"] == m["contacts_decided"] + m["contacts_open_at_end"]
