"""Formulas are drawn as SVG at build time: the built pages hold the drawings, no math
engine, and no TeX left for a reader to see; a formula that does not parse fails the build."""

from __future__ import annotations

import importlib.util
import re
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, build_site
from mkdocs.exceptions import PluginError

# Problem pages and the lab: each has formulas in every form the hook handles.
MATH_PAGES = (
    "efficient-attention/index.html",
    "rnns-for-images/index.html",
    "lab/attention-lab/index.html",
)
CONTAINER = re.compile(r"<mjx-container\b[^>]*>(.*?)</mjx-container>", re.S)
CODE_OR_SCRIPT = re.compile(r"<(pre|code|script|style|textarea)\b.*?</\1>", re.S)
RAW_TEX = re.compile(r"\\\(|\\\[|\$\$")


def _hook():
    spec = importlib.util.spec_from_file_location("static_math", ROOT / "hooks/static_math.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def hook():
    """The hook module, loaded as MkDocs loads it (V8 starts on first use)."""
    module = _hook()
    yield module
    module.on_shutdown()


def _page_text(html: str) -> str:
    """The page without rendered formulas, code and scripts: what is left is prose."""
    return CODE_OR_SCRIPT.sub("", CONTAINER.sub("", html))


@pytest.mark.slow
def test_built_pages_hold_rendered_math_and_no_engine(built_site: Path) -> None:
    for page in MATH_PAGES:
        html = (built_site / page).read_text(encoding="utf-8")
        formulas = CONTAINER.findall(html)
        assert len(formulas) > 10, f"{page}: only {len(formulas)} rendered formulas"
        assert all("<svg" in f and "<math" in f for f in formulas), page
        assert html.count('id="MJX-TEX-') == len(set(re.findall(r'id="(MJX-TEX-[^"]+)"', html)))
        assert not RAW_TEX.findall(_page_text(html)), f"{page}: TeX left in the page"
    for path in built_site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]*(mathjax|tex-svg)", html, re.I), path
    assert not (built_site / "assets/mathjax").exists()
    assert "mjx-assistive-mml" in (built_site / "assets/stylesheets/mathjax-svg.css").read_text()


@pytest.mark.slow
def test_notebook_markdown_math_is_rendered(built_site: Path) -> None:
    html = (built_site / "lab/attention-lab/index.html").read_text(encoding="utf-8")
    cells = re.findall(r'jp-MarkdownOutput".*?</div>', html, re.S)
    prose = " ".join(_page_text(cell) for cell in cells)
    assert "<mjx-container" in " ".join(cells)
    assert not re.findall(r"\$[^\s$][^$]*\$", prose), "a $...$ formula was left as text"


def test_tag_renders_and_label_and_eqref_parse(hook) -> None:
    page = hook._Page("p.md")
    tagged = page.formula(r"a = b \tag{1.3}", display=True)
    assert "(1.3)" in tagged and "mlabeledtr" in tagged
    labelled = page.formula(r"a = b \label{eq:x} \quad \eqref{eq:x}", display=True)
    assert "<svg" in labelled
    # A label seen in one formula must not clash when the same formula is drawn again.
    assert page.formula(r"c \label{eq:y}", True) and hook._Page("q.md").formula(
        r"c \label{eq:y}", True
    )


def test_formula_uses_current_color_and_shared_glyphs(hook) -> None:
    page = hook._Page("p.md")
    html = page.formula(r"\underbrace{a+b}_{n} \left(\frac{x}{y}\right)", display=True)
    assert 'fill="currentColor"' in html and "<use" in html and "<path" not in html
    defs = page.defs()
    assert all(f'id="{i}"' in defs for i in re.findall(r'xlink:href="#([^"]+)"', html))
    assert hook._Page("empty.md").defs() == ""


@pytest.mark.parametrize("tex", [r"\frac{a}{b", r"\notamacro x", r"a^"])
def test_bad_formula_names_page_and_formula(hook, tex: str) -> None:
    with pytest.raises(PluginError, match=re.escape(f"p.md: cannot render the formula {tex!r}")):
        hook._Page("p.md").formula(tex, display=False)


def test_each_arithmatex_form_is_drawn(hook) -> None:
    text = (
        r'<p><span class="arithmatex">\(a &lt; b\)</span></p>'
        r'<div class="arithmatex">\[x\]</div>'
        r'<div class="arithmatex">\begin{align} a &amp;= b \end{align}</div>'
    )
    out = hook._arithmatex(text, hook._Page("p.md"))
    assert out.count("<mjx-container") == 3 and out.count('display="true"') == 2
    # The < comes back in the hidden MathML; align is not numbered unless tagged.
    assert "\\" not in out and "&lt;" in out and "(1)" not in out


def test_notebook_dollars_outside_code_only(hook) -> None:
    cell = (
        '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput" x="">'
        "<p>Cost $n^2$, price 5 $ and <code>$x$</code>.</p><p>$$\na &lt; b\n$$</p></div>"
        "<p>$outside$</p>"
    )
    out = hook._notebook_cells(cell, hook._Page("lab.ipynb"))
    assert out.count("<mjx-container") == 2 and '<div class="arithmatex">' in out
    assert "<code>$x$</code>" in out and "price 5 $ and" in out and "<p>$outside$</p>" in out
    with pytest.raises(PluginError, match="paragraph of its own"):
        hook._notebook_cells(cell.replace("<p>$$", "<p>text $$"), hook._Page("lab.ipynb"))


@pytest.mark.slow
def test_a_bad_formula_fails_the_build(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "hooks").mkdir()
    (project / "hooks/static_math.py").write_text((ROOT / "hooks/static_math.py").read_text())
    (project / "mkdocs.yml").write_text(
        textwrap.dedent(
            """\
            site_name: t
            hooks: [hooks/static_math.py]
            markdown_extensions:
              - pymdownx.arithmatex:
                  generic: true
            """
        )
    )
    (project / "docs/index.md").write_text("Fine \\(n^2\\), broken:\n\n\\[ \\frac{1}{2 \\]\n")
    result = build_site(tmp_path / "out", project)
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "index.md: cannot render the formula '\\\\frac{1}{2'" in log, log
