"""A target's model figure: one metric, or arithmetic on metrics (``decision_delay_hours.by_rag.amber.mean / 24``).

Expressions are parsed with Python's own parser and evaluated by walking the tree, never with
``eval``: only numbers, metric names (dotted, as the catalogue names them), ``+ - * /``,
unary minus and parentheses are allowed, so a targets file cannot run code.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from mashsim.metrics.names import UnknownMetric, resolve_metric

_OPERATORS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


class ExpressionError(ValueError):
    """An expression that is not arithmetic on metrics, or names a metric the scenario lacks."""


@dataclass(frozen=True)
class Expression:
    """A parsed expression and the full metric names it reads."""

    text: str
    tree: ast.expr
    metrics: tuple[str, ...]

    def __call__(self, values: Mapping[str, float]) -> float:
        """The expression on one replication's metrics (NaN where a metric is missing or a division by 0)."""
        return _evaluate(self.tree, values)


def parse_expression(text: str, known: Sequence[str]) -> Expression:
    """``text`` parsed, with every metric name resolved among ``known`` (short forms allowed)."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ExpressionError("not an expression: write a metric, or metrics with numbers and + - * / ( )") from None
    resolved: dict[str, str] = {}
    tree = _resolve(tree, known, resolved)
    return Expression(text, tree, tuple(dict.fromkeys(resolved.values())))


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` (read by Python as attribute access) as the dotted name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _resolve(node: ast.expr, known: Sequence[str], resolved: dict[str, str]) -> ast.expr:
    name = _dotted(node)
    if name is not None:
        try:
            full = resolve_metric(name, known)
        except UnknownMetric as error:
            raise ExpressionError(f"{name}: {error}") from None
        resolved[name] = full
        return ast.Name(id=full)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return ast.BinOp(_resolve(node.left, known, resolved), node.op, _resolve(node.right, known, resolved))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return ast.UnaryOp(node.op, _resolve(node.operand, known, resolved))
    raise ExpressionError(f"'{ast.unparse(node)}' is not allowed: only metrics, numbers, + - * / and ( )")


def _evaluate(node: ast.expr, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.Name):
        value = values.get(node.id)
        return math.nan if value is None else float(value)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp):
        inner = _evaluate(node.operand, values)
        return -inner if isinstance(node.op, ast.USub) else inner
    assert isinstance(node, ast.BinOp)
    left, right = _evaluate(node.left, values), _evaluate(node.right, values)
    if isinstance(node.op, ast.Div) and right == 0:
        return math.nan
    return _OPERATORS[type(node.op)](left, right)
