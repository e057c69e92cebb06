"""The base of every scenario model: strict fields and provenance tags.

Any value in a scenario file may be written plainly (``staff = 5``) or as a
table that says where it came from::

    staff = { value = 5, tag = "S", source = "Barking & Dagenham MASH" }

``tag`` is ``S`` (a public source), ``D`` (derived from sourced figures) or
``E`` (an estimate).  The wrapper is unwrapped before validation and kept
beside the model, so ``mashsim show`` can print evidence next to assumption.
"""

from __future__ import annotations

import copy
import difflib
from typing import Annotated, Any, Iterator, Literal, Mapping, Union

from pydantic import BaseModel, ConfigDict, Discriminator, PrivateAttr, ValidationError, model_validator
from pydantic import Tag as UnionTag
from pydantic_core import PydanticCustomError

Tag = Literal["S", "D", "E"]
_WRAPPER_KEYS = {"value", "tag", "source", "note"}


class Provenance(BaseModel):
    """Where a value came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tag: Tag | None = None
    source: str | None = None
    note: str | None = None

    def label(self) -> str:
        parts = [f"[{self.tag}]" if self.tag else "", self.source or "", self.note or ""]
        return " ".join(p for p in parts if p)


def is_provenance_wrapper(value: Any) -> bool:
    """A table ``{value = ..., tag = ..., source = ..., note = ...}`` (a misspelt key still counts)."""
    if not isinstance(value, dict) or "value" not in value:
        return False
    return all(key in _WRAPPER_KEYS or difflib.get_close_matches(key, _WRAPPER_KEYS, n=1) for key in value)


def _provenance_of(key: str, table: dict[str, Any]) -> Provenance:
    """The provenance in a wrapper table, or a located error naming the bad part."""
    for part in table:
        if part not in _WRAPPER_KEYS:
            close = difflib.get_close_matches(part, _WRAPPER_KEYS, n=1)
            raise PydanticCustomError("provenance", "{message}", {
                "field": f"{key}.{part}",
                "message": f"unknown key in a provenance table; did you mean '{close[0]}'? "
                           f"allowed: {', '.join(sorted(_WRAPPER_KEYS))}",
            })
    try:
        return Provenance(**{k: v for k, v in table.items() if k != "value"})
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        part = ".".join(str(p) for p in first["loc"])
        raise PydanticCustomError("provenance", "{message}", {
            "field": f"{key}.{part}", "message": first["msg"], "input": first.get("input"),
        }) from None


class Model(BaseModel):
    """Strict model: unknown fields are errors; values may carry provenance.

    Strict types as in the experiment format: ``"5"`` is not 5, ``true`` is not 1 FTE and ``"yes"`` is not
    true (a TOML int is still taken where a float is wanted); no number is ``inf`` or ``nan``, whatever its
    field's type (see :mod:`mashsim.scenario.bounds` for the upper bounds).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=False, strict=True, allow_inf_nan=False)

    _provenance: dict[str, Provenance] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _unwrap_provenance(cls, data: Any, handler: Any) -> Any:
        tags: dict[str, Provenance] = {}
        if isinstance(data, dict):
            data = dict(data)
            for key, value in list(data.items()):
                if is_provenance_wrapper(value):
                    tags[key] = _provenance_of(key, value)
                    data[key] = value["value"]
        model = handler(data)
        if tags and isinstance(model, Model):
            model._provenance.update(tags)
        return model

    def provenance(self) -> Iterator[tuple[str, Any, Provenance]]:
        """Yield ``(dotted path, value, provenance)`` for every tagged value below this model."""
        yield from _walk(self, "")


def _walk(obj: Any, prefix: str) -> Iterator[tuple[str, Any, Provenance]]:
    if isinstance(obj, Model):
        for name, prov in obj._provenance.items():
            yield f"{prefix}{name}", getattr(obj, name, None), prov
        for name in type(obj).model_fields:
            yield from _walk(getattr(obj, name), f"{prefix}{name}.")
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _walk(value, f"{prefix}{key}.")
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            yield from _walk(value, f"{prefix}{i}.")


def merge_tables(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` merged over ``base``: tables recursively, everything else replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in top.items():
        below = merged.get(key)
        if isinstance(value, dict) and isinstance(below, dict) and not is_provenance_wrapper(value) \
                and not is_provenance_wrapper(below):
            merged[key] = merge_tables(below, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def tagged_union(members: dict[str, type[BaseModel]], key: str, default: str | None = None) -> Any:
    """A union of models told apart by the field ``key`` (``default`` when a table leaves it out),
    with an error that lists the allowed values."""

    def tag_of(value: Any) -> str | None:
        if is_provenance_wrapper(value):
            value = value["value"]
        if isinstance(value, dict):
            return value.get(key, default)
        return getattr(value, key, default)

    allowed = ", ".join(members)
    message = f"unknown {key}; allowed: {allowed}" if default else f"missing or unknown {key}; allowed: {allowed}"
    return Annotated[
        Union[tuple(Annotated[model, UnionTag(tag)] for tag, model in members.items())],  # type: ignore[valid-type]
        Discriminator(tag_of, custom_error_type=key, custom_error_message=message),
    ]

