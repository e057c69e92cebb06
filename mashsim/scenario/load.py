"""Reading scenarios: TOML files or dicts, ``--set`` overrides, validation, hashing."""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any, Iterable, Mapping

from pydantic import BaseModel, ValidationError

from mashsim.scenario.base import is_provenance_wrapper, merge_tables
from mashsim.scenario.bounds import DEPTH
from mashsim.scenario.checks import check_scenario
from mashsim.scenario.errors import Problem, ScenarioError, problems_from_validation
from mashsim.scenario.schema import Scenario
from mashsim.scenario.shipped import SCENARIOS, folder, resolve

PACKAGE_SCENARIOS = folder(SCENARIOS)  # the shipped scenarios: the checkout's folder, or the wheel's copy


def read_toml(path: str | Path) -> dict[str, Any]:
    """The raw table of a TOML file; a missing file, a syntax error or too deep a nesting is a
    :class:`ScenarioError`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem("", "file not found")], str(path)) from None
    except IsADirectoryError:
        raise ScenarioError([Problem("", "is a directory, not a TOML file")], str(path)) from None
    return parse_toml(data, str(path))


def parse_toml(data: bytes, source: str) -> dict[str, Any]:
    """The raw table of a TOML text (a file's or an upload's bytes); a :class:`ScenarioError` naming
    ``source`` when it is not UTF-8, not TOML, or nested too deeply."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError([Problem("", "not a UTF-8 text file")], source) from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([Problem("", f"TOML syntax error: {error}")], source) from None
    except RecursionError:  # the TOML reader recurses once a level
        raise ScenarioError([_too_deep("")], source) from None
    check_depth(raw, source)
    return raw


def check_depth(data: Any, source: str, root: str = "") -> None:
    """Refuse tables and lists nested deeper than :data:`DEPTH` (a walk without recursion), before
    any recursive step (merging, copying, validating) meets them."""
    stack: list[tuple[Any, str, int]] = [(data, root, 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > DEPTH.high:
            raise ScenarioError([_too_deep(path)], source)
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        stack.extend((child, f"{path}.{key}" if path else str(key), depth + 1) for key, child in items)


def _too_deep(path: str) -> Problem:
    return Problem(path, f"nested too deeply: {DEPTH.message()}")


def read_scenario_file(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw table of a scenario file, with ``extends = "other.toml"`` resolved.

    A file that extends another holds only what differs: its tables are merged
    into the other's, field by field; any other value replaces the other's.
    """
    path = Path(path)
    raw = read_toml(path)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError([Problem("extends", "must be the path of another scenario file", parent)], str(path))
    base_path = resolve(parent, SCENARIOS, near=path.parent, field="extends", where=str(path)).resolve()
    if base_path in _seen or base_path == path.resolve():
        raise ScenarioError([Problem("extends", "scenario files extend each other in a loop", parent)], str(path))
    try:
        base = read_scenario_file(base_path, (*_seen, path.resolve()))
    except ScenarioError as error:  # said as a problem of the file that refers to it
        raise ScenarioError([Problem("extends", f"in {base_path}: {p}", parent) for p in error.problems],
                            str(path)) from None
    if not set(base) <= set(Scenario.model_fields):
        # any TOML the user can read could be named here: say what it is not, never what it holds
        raise ScenarioError([Problem("extends", f"{base_path} is not a scenario file (its top-level keys are not "
                                     "scenario fields; `mashsim schema` lists them)", parent)], str(path))
    return merge_tables(base, raw)


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``path=value``; the value is read as TOML (``2``, ``false``, ``["police"]``), else as text."""
    path, sep, raw = text.partition("=")
    path, raw = path.strip(), raw.strip()
    if not sep or not path:
        raise ScenarioError([Problem("--set", "expected PATH=VALUE, e.g. roles.screeners.staff=4", text)], "--set")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    except RecursionError:
        raise ScenarioError([_too_deep(path)], "--set") from None
    check_depth(value, "--set", path)
    return path, value


# Tables keyed by names the scenario defines: --set must not invent a new name by a typo.
NAMED_TABLES = {"agencies": "agency", "arrivals.sources": "source", "calendar.periods": "calendar period",
                "hubs": "hub", "pools": "pool"}


def apply_overrides(raw: Mapping[str, Any], overrides: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A copy of ``raw`` with each dotted path set; tables on the way are created when missing."""
    data = copy.deepcopy(dict(raw))
    for path, value in overrides:
        parts = path.split(".")
        node: Any = data
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    where = ".".join(parts[:depth])
                    raise ScenarioError(
                        [Problem(path, f"{where} is a list of {len(node)}; give an index from 0 to {len(node) - 1}")],
                        "--set",
                    )
                key: Any = int(part)
            else:  # a table: scalars are refused below before they are descended into
                key = part
            parent = ".".join(parts[:depth])
            if parent in NAMED_TABLES and isinstance(node, dict) and key not in node and not last:
                allowed = ", ".join(node) or "none defined"
                raise ScenarioError(
                    [Problem(path, f"no {NAMED_TABLES[parent]} named '{key}' (allowed: {allowed})")], "--set")
            current = node[key] if isinstance(node, list) or key in node else None
            if last and is_provenance_wrapper(value):
                node[key] = value  # a new value with its own provenance replaces the old
                continue
            if is_provenance_wrapper(current):
                # the value no longer is what its tag describes: say so in `mashsim show`
                current["note"] = f"changed by --set {path}"
                current.pop("tag", None)
                current.pop("source", None)
                node, key, current = current, "value", current["value"]
            if last:
                node[key] = value
            else:
                if current is not None and not isinstance(current, (dict, list)):
                    raise ScenarioError(
                        [Problem(path, f"{'.'.join(parts[: depth + 1])} is a value, not a table", current)], "--set")
                if current is None:
                    # start from the schema's default, so setting one field keeps the others
                    node[key] = default_table(parts[: depth + 1])
                node = node[key]
    return data


def default_table(parts: list[str]) -> dict[str, Any]:
    """The schema's default for the table at ``parts`` as a raw dict, or an empty one."""
    model: Any = Scenario
    default: Any = None
    for part in parts:
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return {}
        info = fields[part]
        default = info.get_default(call_default_factory=True)
        model = type(default) if isinstance(default, BaseModel) else None
        if model is None:
            break
    if isinstance(default, BaseModel):
        return default.model_dump(mode="python")
    return {}


def build_scenario(raw: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a raw table into a :class:`Scenario`, raising one error that lists every problem."""
    check_depth(raw, source)
    hubs = list(raw.get("hubs") or {}) if isinstance(raw.get("hubs", {}), dict) else []
    try:
        scenario = Scenario.model_validate(dict(raw))
    except ValidationError as error:
        raise ScenarioError(once_for_all_hubs(problems_from_validation(error, Scenario), hubs), source) from None
    problems = check_scenario(scenario)
    if problems:
        raise ScenarioError(once_for_all_hubs(problems, hubs), source)
    return scenario


def once_for_all_hubs(problems: list[Problem], hubs: list[str]) -> list[Problem]:
    """A problem every hub inherits from the top-level tables, said once rather than once per hub.

    It is dropped where the top-level table itself is reported, else named ``hubs.*.<path>``.
    """
    if len(hubs) < 2:
        return problems
    copies: dict[tuple[str, str, str], set[str]] = {}
    for p in problems:
        head, hub, rest = (p.path.split(".", 2) + ["", ""])[:3]
        if head == "hubs" and hub in hubs and rest:
            copies.setdefault((rest, p.message, repr(p.value)), set()).add(hub)
    everywhere = {key for key, where in copies.items() if len(where) == len(hubs)}
    top_level = {(p.path, p.message, repr(p.value)) for p in problems}
    kept, said = [], set()
    for p in problems:
        head, hub, rest = (p.path.split(".", 2) + ["", ""])[:3]
        key = (rest, p.message, repr(p.value))
        if head != "hubs" or key not in everywhere:
            kept.append(p)
        elif key not in top_level and key not in said:
            said.add(key)
            kept.append(Problem(f"hubs.*.{rest}", p.message, p.value))
    return kept


def load_scenario(
    source: str | Path | Mapping[str, Any],
    overrides: Iterable[str | tuple[str, Any]] = (),
) -> Scenario:
    """Load a scenario from a TOML path, a built-in name or a dict, with ``--set``-style overrides.

    >>> s = load_scenario("london-borough", ["roles.screeners.staff=4"])
    >>> s.roles.screeners.staff
    4.0
    """
    pairs = [parse_assignment(o) if isinstance(o, str) else o for o in overrides]
    if isinstance(source, Mapping):
        raw, name = dict(source), "<scenario>"
        check_depth(raw, name)
        if "extends" in raw:
            parent = raw.pop("extends")
            raw = merge_tables(read_scenario_file(resolve(parent, SCENARIOS, field="extends", where=name)), raw)
    else:
        path = resolve_path(source)
        raw, name = read_scenario_file(path), str(source)
    if pairs:
        name = f"{name} (with --set {', '.join(p for p, _ in pairs)})"
        try:
            raw = apply_overrides(raw, pairs)
        except ScenarioError as error:
            raise ScenarioError(error.problems, name) from None
    return build_scenario(raw, name)


def resolve_path(source: str | Path) -> Path:
    """A path as given, or a shipped scenario by its name (``london-borough``, ``london-borough.toml``);
    else :class:`ScenarioError`: file not found, with close matches (see :mod:`mashsim.scenario.shipped`)."""
    return resolve(source, SCENARIOS)


def scenario_hash(scenario: Scenario) -> str:
    """A short, stable fingerprint of the resolved scenario (defaults filled).

    The fields that came with many hubs (an inject's ``hub`` and ``pool`` among them) are left
    out while they hold their defaults, so a one-hub scenario keeps the fingerprint it had before
    they existed; the ``tabletop`` table (where a tabletop exercise stops, its step) is always left
    out: it changes no result.
    """
    data = scenario.model_dump(mode="json")
    _drop_unused_hub_fields(data)
    for hub in data["hubs"].values():
        _drop_unused_hub_fields(hub)
    for pool in data["pools"].values():
        pool.pop("annual_cost", None)
        if pool["kind"] == "research":  # the fingerprint a research pool had before pools had kinds
            del pool["kind"]
    for key in ("hubs", "pools"):
        if not data[key]:
            del data[key]
    del data["tabletop"]  # how a tabletop exercise plays the scenario changes no result: not its run's
    for inject in data["injects"]:
        for key in ("hub", "pool"):
            if inject.get(key, "") is None:
                del inject[key]
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _drop_unused_hub_fields(hub: dict[str, Any]) -> None:
    if hub["arrivals"]["scale"] == 1.0:
        del hub["arrivals"]["scale"]
    for desk in [*hub["roles"].values(), *hub["agencies"].values()]:
        desk.pop("annual_cost", None)  # a cost changes no result: the fingerprint is of what makes them
    for agency in hub["agencies"].values():
        if agency["pool"] is None:
            del agency["pool"]
    if hub.get("police", "") is None:  # no police pipeline: the fingerprint it had before [police] existed
        del hub["police"]
    elif "police" in hub:  # a team of its own: the fingerprint it had before police teams could be pooled
        for team in ("ppd", "cait"):
            if hub["police"][team]["pool"] is None:
                del hub["police"][team]["pool"]
