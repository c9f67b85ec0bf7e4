"""The registry's two evaluators, Python's (scripts/chapter/model/expressions.py) and the browser's
(docs/javascripts/expr.js), accept exactly the same names: their own, never one a
JavaScript object or a Python dict inherits."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from py_mini_racer import MiniRacer

from chapter.model import expressions

# Names that an object or a dict carries without being given them.
HOSTILE = (
    "constructor",
    "toString",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "__proto__",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
    "prototype",
    "__class__",
    "__dict__",
    "__init__",
    "get",
    "keys",
    "items",
)


@pytest.fixture(scope="module")
def browser():
    v8 = MiniRacer()
    v8.eval("var window = {};")
    v8.eval((ROOT / "docs/javascripts/expr.js").read_text(encoding="utf-8"))
    v8.eval(
        """var attempt = (tree, env) => {
             try { return {value: window.RegistryExpr.evaluate(tree, env)}; }
             catch (error) { return {error: String(error.message)}; }
           };"""
    )
    yield v8
    v8.close()


def in_browser(v8: MiniRacer, tree: object, env: dict) -> dict:
    # JSON.parse, as the explorers receive their data: "__proto__" stays an own key.
    return json.loads(
        v8.eval(
            f"JSON.stringify(attempt(JSON.parse({json.dumps(json.dumps(tree))}), "
            f"JSON.parse({json.dumps(json.dumps(env))})))"
        )
    )


def in_python(tree: object, env: dict) -> dict:
    try:
        return {"value": expressions.evaluate(tree, env)}
    except (KeyError, TypeError) as error:
        return {"error": str(error)}


@pytest.mark.parametrize("name", HOSTILE)
def test_both_evaluators_take_a_name_only_from_the_environment(browser, name: str) -> None:
    assert expressions.expression_tree(f"{name} + 1") == ["+", name, 1]
    for tree, env, value in (
        (name, {}, None),  # unknown to both
        (["+", name, 1], {"n": 2}, None),
        ([name, 1, 2], {}, None),  # not an operator for either
        (name, {name: 5}, 5),  # the environment's own name: known to both
        (["+", name, 1], {name: 5}, 6),
    ):
        python, js = in_python(tree, env), in_browser(browser, tree, env)
        assert ("error" in python) == ("error" in js) == (value is None), (tree, env, python, js)
        if value is not None:
            assert python["value"] == js["value"] == value
    # Nothing it did changed the shared operator table.
    assert browser.eval("Object.keys(window.RegistryExpr.OPERATORS).join(' ')") == " ".join(
        expressions.OPERATORS
    )
    defined = browser.eval(
        f"JSON.stringify(window.RegistryExpr.define([{{name: {json.dumps(name)}, tree: 7}}], {{}}))"
    )
    assert json.loads(defined) == {name: 7}
