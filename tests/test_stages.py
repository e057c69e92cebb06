"""The hub's flow is declared once (mashsim.model.stages): what reads it agrees with it."""

from mashsim.model.arrivals import source_arrivals
from mashsim.model.calendar import CalendarView
from mashsim.model.network import DECISION, TRIAGE
from mashsim.model.stages import HUB_ROLES, RESEARCH, STAGE_AFTER, STAGES, next_index, roles_at
from mashsim.model.streams import Streams
from mashsim.scenario import build_scenario
from support import small_scenario_dict
from mashsim.scenario.schema import HubRoles


def test_scenario_roles_table_has_one_field_per_stage_in_flow_order():
    assert tuple(HubRoles.model_fields) == HUB_ROLES == tuple(s.role for s in STAGES)


def test_each_stage_leads_to_a_known_stage_and_the_flow_ends_once():
    names = {s.name for s in STAGES}
    for stage in STAGES:
        assert stage.next in names | {RESEARCH, ""}
    assert [s.next for s in STAGES].count("") == 1 and STAGES[-1].next == ""
    assert [next_index(s) for s in STAGES] == [*range(1, len(STAGES)), -1]  # declared in the flow's order


def test_a_contact_draws_one_task_time_per_stage_from_its_roles_task_minutes():
    minutes = {stage.role: 6.0 * (k + 1) for k, stage in enumerate(STAGES)}  # a constant time each, all different
    raw = small_scenario_dict()
    for role, m in minutes.items():  # a role the table leaves to its default gets one of its own
        raw["roles"][role] = {**raw["roles"].get(role, {"staff": 1}), "task_minutes": {"dist": "constant", "mean": m}}
    scenario = build_scenario(raw)
    source = next(iter(scenario.arrivals.sources))
    contacts = list(source_arrivals(scenario, source, Streams(1), CalendarView(scenario.calendar), 14 * 24.0))
    assert len(contacts) > 50
    assert {tuple(c.stage_hours) for c in contacts} == {tuple(m / 60 for m in minutes.values())}
