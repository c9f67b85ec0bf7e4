// The registry's expression language in the browser: a tree is a number, a
// boolean, a name looked up in env, or [operator, ...operands], as written by
// scripts/chapter/model/attention.py's expression_tree. The mask explorer, the practice
// questions and any other piece that evaluates registry data share this one
// evaluator, so no formula is ever written in JavaScript.
(() => {
  "use strict";

  // Python's math.comb: the loop's partial products are binomials themselves,
  // so every division is exact.
  const comb = (total, chosen) => {
    if (!Number.isInteger(total) || !Number.isInteger(chosen) || total < 0 || chosen < 0) {
      throw new Error(`comb needs whole numbers, not ${total} and ${chosen}`);
    }
    if (chosen > total) return 0;
    const fewer = Math.min(chosen, total - chosen);
    let result = 1;
    for (let k = 1; k <= fewer; k += 1) result = (result * (total - fewer + k)) / k;
    return result;
  };

  // Whole exponents only, as the Python evaluator allows.
  const power = (base, exponent) => {
    if (!Number.isInteger(exponent) || exponent < 0) {
      throw new Error(`power needs a whole exponent, not ${exponent}`);
    }
    return base ** exponent;
  };

  // A table with no prototype: only its own entries are names, so "constructor",
  // "__proto__" or "toString" mean nothing unless defined, as in the Python evaluator.
  const table = (entries) => Object.freeze(Object.assign(Object.create(null), entries));
  const has = (object, name) => Object.prototype.hasOwnProperty.call(object, name);

  // The operators, with Python's meaning (floor division and a modulo that
  // follows the divisor's sign).
  const OPERATORS = table({
    "+": (a, b) => a + b,
    "-": (a, b) => a - b,
    "*": (a, b) => a * b,
    "/": (a, b) => a / b,
    "//": (a, b) => Math.floor(a / b),
    "%": (a, b) => a - b * Math.floor(a / b),
    "**": power,
    neg: (a) => -a,
    "<": (a, b) => a < b,
    "<=": (a, b) => a <= b,
    "==": (a, b) => a === b,
    ">=": (a, b) => a >= b,
    ">": (a, b) => a > b,
    and: (...values) => values.every(Boolean),
    or: (...values) => values.some(Boolean),
    min: Math.min,
    max: Math.max,
    comb,
  });

  const evaluate = (tree, env) => {
    if (typeof tree === "string") {
      if (!has(env, tree)) throw new Error(`expression uses unknown name ${tree}`);
      return env[tree];
    }
    if (!Array.isArray(tree)) return tree;
    const [op, ...operands] = tree;
    if (typeof op !== "string" || !has(OPERATORS, op)) {
      throw new Error(`expression uses unknown operator ${op}`);
    }
    return OPERATORS[op](...operands.map((operand) => evaluate(operand, env)));
  };

  // Helper names defined in order ([{name, tree}, ...]), each seeing the ones before.
  const define = (where, env) => {
    const out = Object.assign(Object.create(null), env);
    for (const entry of where) {
      Object.defineProperty(out, entry.name, {
        value: evaluate(entry.tree, out),
        enumerable: true,
        writable: true,
      });
    }
    return out;
  };

  // "{name}" placeholders in a template, filled from values.
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));

  window.RegistryExpr = Object.freeze({ OPERATORS, evaluate, define, fill });
})();
