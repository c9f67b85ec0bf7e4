"""Serve MathJax from the site itself, from the django-static-mathjax package.

The page loads assets/mathjax/tex-svg.js; SVG output needs no fonts, and the
extensions MathJax loads on demand sit beside it, so no formula fetches
anything from another host.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from mkdocs.exceptions import PluginError

# The combined TeX-to-SVG bundle and the folders it loads from on demand.
PARTS = ("tex-svg.js", "input/tex/extensions", "a11y", "ui", "sre", "adaptors")


def _mathjax_es5() -> Path:
    try:
        root = Path(str(resources.files("mathjax"))) / "static" / "mathjax" / "es5"
    except ModuleNotFoundError:
        root = None
    if root is None or not (root / "tex-svg.js").is_file():
        raise PluginError(
            "MathJax not found: install django-static-mathjax (pip install -r requirements.txt)"
        )
    return root


def on_post_build(config):
    source = _mathjax_es5()
    target = Path(config.site_dir) / "assets" / "mathjax"
    for part in PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
