"""The hub's flow is declared once (mashsim.model.stages): what reads it agrees with it."""

from mashsim.model.contact import Contact
from mashsim.model.network import DECISION, TRIAGE
from mashsim.model.stages import HUB_ROLES, STAGE_AFTER, STAGES, roles_at
from mashsim.scenario.schema import HubRoles


def test_scenario_roles_table_has_one_field_per_stage_in_flow_order():
    assert tuple(HubRoles.model_fields) == HUB_ROLES == tuple(s.role for s in STAGES)


def test_each_stage_names_a_contact_task_time_and_leads_to_a_known_stage():
    names = {s.name for s in STAGES}
    for stage in STAGES:
        assert stage.hours in Contact.__slots__
        assert stage.next in names | {"research", ""}
    assert STAGES[-1].next == ""


def test_trace_events_and_network_nodes_cover_every_stage_once():
    assert [STAGE_AFTER[s.queued_on] for s in STAGES] == list(STAGES)
    assert roles_at(TRIAGE) + roles_at(DECISION) == list(HUB_ROLES)
