"""The expression language every formula of the chapter is written in.

A formula (a mask rule, a closed-form count, a 2D RNN count) is a plain expression
in Python syntax: + - * / // % **, comparisons, and, or, min, max, comb. It is
parsed into nested lists that JSON can carry, so the explorers evaluate the very
trees Python evaluates; division is exact, so no count is rounded.
"""

from __future__ import annotations

import ast
import operator
from fractions import Fraction
from functools import cache
from math import comb
from typing import Any

import numpy as np

# An expression tree: an int, a bool, a variable name, or [operator, operand, ...].
Tree = Any

_BINARY = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==", ast.GtE: ">=", ast.Gt: ">"}
_BOOL = {ast.And: "and", ast.Or: "or"}
_FUNCTIONS = ("min", "max", "comb")


def _exact_divide(a: Any, b: Any) -> Fraction:
    # The closed forms divide products like n(n+1) by 2: exact, so no float rounding.
    return Fraction(a) / b


def _power(base: Any, exponent: Any) -> Any:
    # Whole exponents only, as in the influence a^p: a fractional or negative one
    # would leave the exact arithmetic the counts rely on.
    if isinstance(exponent, bool) or not isinstance(exponent, (int, np.integer)) or exponent < 0:
        raise ValueError(f"power needs a whole exponent, not {exponent!r}")
    return base**exponent


# What each operator of a tree means; a tree uses nothing else.
OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _exact_divide,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": _power,
    "neg": operator.neg,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    ">=": operator.ge,
    ">": operator.gt,
    "and": np.logical_and,
    "or": np.logical_or,
    "min": min,
    "max": max,
    "comb": comb,
}


@cache
def expression_tree(text: str) -> Tree:
    """Parse a plain expression (Python syntax: + - * / // % **, comparisons, and, or,
    min, max, comb) into nested lists that JSON can carry; anything else is an error."""
    return _tree(ast.parse(text, mode="eval").body, text)


def _tree(node: ast.AST, text: str) -> Tree:
    if isinstance(node, ast.Constant) and type(node.value) in (int, bool):
        return node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return [_BINARY[type(node.op)], _tree(node.left, text), _tree(node.right, text)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return ["neg", _tree(node.operand, text)]
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        operands = (_tree(node.left, text), _tree(node.comparators[0], text))
        return [_COMPARE[type(node.ops[0])], *operands]
    if isinstance(node, ast.BoolOp) and type(node.op) in _BOOL:
        return [_BOOL[type(node.op)], *(_tree(value, text) for value in node.values)]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
    ):
        return [node.func.id, *(_tree(arg, text) for arg in node.args)]
    raise ValueError(f"unsupported {type(node).__name__} in expression {text!r}")


def evaluate(tree: Tree, env: dict[str, Any]) -> Any:
    """The value of a tree with its names taken from env (ints or NumPy arrays)."""
    if isinstance(tree, str):
        return env[tree]
    if not isinstance(tree, list):
        return tree
    op, *operands = tree
    values = [evaluate(operand, env) for operand in operands]
    if op in ("and", "or"):
        result = values[0]
        for value in values[1:]:
            result = OPERATORS[op](result, value)
        return result
    return OPERATORS[op](*values)
