"""Parameter values a registry test runs a pattern at, shared by the registry's test modules."""

from __future__ import annotations


def explorer_params(pattern) -> list[dict[str, int]]:
    """Every parameter combination the explorer accepts (c at most l)."""
    combos: list[dict[str, int]] = [{}]
    for p in pattern.params:
        combos = [
            {**combo, p.name: value}
            for combo in combos
            for value in range(p.low, p.high + 1)
            if p.at_most is None or value <= combo[p.at_most]
        ]
    return combos
