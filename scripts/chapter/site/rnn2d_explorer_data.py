"""Give the 2D RNN explorer its data: tables computed by scripts/rnn2d.py, as JSON.

The file is generated into the site as assets/rnn2d.json on every build, and under
`mkdocs serve` too. The explorer's JavaScript holds no formula of its own: the
steps, the cells of each step and the skewed layout come from the functions the
wavefront runs, and the influence is rnn2d's own expression, shipped as a tree.
"""

from __future__ import annotations

import json

from mkdocs.structure.files import File

from chapter.model.expressions import expression_tree
from chapter.model.rnn2d import INFLUENCE, REACHES, diagonal_cells, skew_layout, wavefront_steps

DEST = "assets/rnn2d.json"

# The largest grid the explorer draws legibly at phone width; the worked example's n.
N_MAX = 32
N_DEFAULT = 7
STEP_DEFAULT = 4
# The weights a = W_left and b = W_top the sliders offer: 0 to 1.5 in steps of 0.05,
# which passes through the page's 0.4, 0.5 and 0.6.
WEIGHTS = [k / 20 for k in range(31)]
WEIGHT_DEFAULT = 0.5


def _grid(n: int) -> dict:
    steps = wavefront_steps(n)
    return {
        "steps": steps,
        "sizes": [len(diagonal_cells(n, s)) for s in range(steps)],
        "skew": skew_layout(n).tolist(),
    }


def explorer_data() -> dict:
    """Everything the explorer draws, for every n from 1 to N_MAX, as plain data.

    The influence map is for w_in = 1: the explorer evaluates rnn2d.INFLUENCE with
    the slider weights a and b wherever rnn2d.REACHES holds, through RegistryExpr."""
    return {
        "n": {"name": "n", "label": "Grid size n", "min": 1, "max": N_MAX, "default": N_DEFAULT},
        "step": {"default": STEP_DEFAULT},
        "grids": [_grid(n) for n in range(1, N_MAX + 1)],
        "weights": {"values": WEIGHTS, "default": WEIGHTS.index(WEIGHT_DEFAULT)},
        "influence": {
            "tree": expression_tree(INFLUENCE),
            "reaches": expression_tree(REACHES),
            "w_in": 1.0,
        },
    }


def on_files(files, config):
    content = json.dumps(explorer_data(), separators=(",", ":"), sort_keys=True)
    files.append(File.generated(config, DEST, content=content + "\n"))
    return files
