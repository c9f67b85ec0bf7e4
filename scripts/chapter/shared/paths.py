"""Where the project's folders are, found from this file's place in scripts/chapter/shared/.

SCRIPTS is the folder that holds the chapter package: scripts/ in a checkout, the
autograder's source/ in the Gradescope bundle, which keeps the same layout below it.
"""

from __future__ import annotations

from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2]
ROOT = SCRIPTS.parent
DOCS = ROOT / "docs"
