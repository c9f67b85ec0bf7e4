"""Formulas are drawn as SVG at build time: the built pages hold the drawings, no math
engine, and no TeX left for a reader to see; a formula that does not parse fails the build."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, build_site, stage_hooks
from mkdocs.exceptions import PluginError

from chapter.site import static_math

# Problem pages and the lab: each has formulas in every form the hook handles.
MATH_PAGES = (
    "efficient-attention/index.html",
    "rnns-for-images/index.html",
    "lab/attention-lab/index.html",
)
# TeX delimiters left in the text a reader sees mean a formula was not drawn.
RAW_TEX = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\$[^\s$][^$\n]*\$")
# What holds code or drawings, not prose; the copy buttons' hidden text is code too.
NOT_PROSE = "pre, code, kbd, script, style, textarea, mjx-container, .clipboard-copy-txt"


@pytest.fixture(scope="module")
def hook(tmp_path_factory: pytest.TempPathFactory):
    """The stage's module with an empty store (V8 starts on first use)."""
    module = static_math
    module._drawings = module.Drawings(tmp_path_factory.mktemp("math-cache"))
    yield module
    module.on_shutdown()


@pytest.mark.slow
def test_every_built_page_holds_drawn_math_and_no_engine(built_site: Path) -> None:
    """Every formula of every page (the notebook's Markdown too) is an SVG drawing with
    its MathML, no TeX is left in the prose, and no page loads a math engine."""
    from bs4 import BeautifulSoup

    drawn = {}
    for path in sorted(built_site.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        page = str(path.relative_to(built_site))
        assert not re.search(r"<script[^>]*(mathjax|tex-svg)", html, re.I), page
        soup = BeautifulSoup(html, "html.parser")
        content = soup.select_one(".md-content") or soup
        marked = content.select(".arithmatex")
        undrawn = [
            m for m in marked if not m.select_one("mjx-container > svg + mjx-assistive-mml math")
        ]
        assert not undrawn, f"{page}: {len(undrawn)} of {len(marked)} formulas not drawn"
        ids = re.findall(r'id="(MJX-TEX-[^"]+)"', html)
        assert len(ids) == len(set(ids)), f"{page}: a glyph defined twice"
        for tag in content.select(NOT_PROSE):
            tag.decompose()
        raw = RAW_TEX.findall(content.get_text(" "))
        assert not raw, f"{page}: TeX left in the text: {raw[:5]}"
        drawn[page] = len(marked)
    assert all(drawn[page] > 10 for page in MATH_PAGES), drawn
    assert not (built_site / "assets/mathjax").exists()
    assert "mjx-assistive-mml" in (built_site / "assets/stylesheets/mathjax-svg.css").read_text()


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


def test_drawings_are_set_aside_while_search_reads_the_page(hook) -> None:
    page = hook._Page("p.md")
    text = hook._arithmatex(
        r'<h1>T</h1><p><span class="arithmatex">\(a_1\)</span></p>'
        r'<div class="arithmatex">\[\begin{aligned} x &amp;= \frac{1}{2} \end{aligned}\]</div>',
        page,
    )
    whole = page.defs() + text
    searched, drawings = hook.set_aside(whole)
    assert len(drawings) == 3 and "<svg" not in searched and "<path" not in searched
    # What the search index reads: the hidden MathML copy, and the page title first.
    assert searched.count("<math") == 2 and searched.startswith("<!--")
    assert hook.put_back(searched, drawings) == whole


@pytest.mark.slow
def test_a_bad_formula_fails_the_build(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    hooks = stage_hooks(project, "static_math")
    (project / "mkdocs.yml").write_text(
        textwrap.dedent(
            f"""\
            site_name: t
            hooks: [{hooks}]
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


def _stored(hook, folder: Path):
    """A store in folder holding two made-up drawings, as a build that drew them leaves it."""
    store = hook.Drawings(folder)
    store.stylesheet = "css"
    store.formulas = {
        ("a", False): ('<svg><use xlink:href="#G1"></use></svg>', {"G1": "M0"}),
        ("b", True): (
            '<svg><use xlink:href="#G1"></use><use xlink:href="#G2"></use></svg>',
            {"G1": "M0", "G2": "M1"},
        ),
    }
    store.used = set(store.formulas)
    store.changed = True
    store.save()
    return store


def _no_engine():
    raise AssertionError("MathJax was started for a formula the store holds")


def test_stored_drawings_are_reused_without_mathjax(hook, tmp_path, monkeypatch) -> None:
    saved = _stored(hook, tmp_path)
    monkeypatch.setattr(hook, "_math", _no_engine)
    again = hook.Drawings(tmp_path)
    assert again.stylesheet_text() == "css"
    assert again.formula("b", True) == saved.formulas["b", True]
    assert again.drawn == 0


def test_a_build_keeps_only_its_own_formulas(hook, tmp_path) -> None:
    saved = _stored(hook, tmp_path)
    store = hook.Drawings(tmp_path)
    store.start_build()
    store.formula("a", False)
    store.save()
    assert hook.Drawings(tmp_path).formulas == {("a", False): saved.formulas["a", False]}
    # A store of another MathJax, or of another version of the hook, is removed.
    assert [p.name for p in tmp_path.iterdir()] == [saved.path.name]


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # what a full disk or a kill mid-write leaves
        lambda text: text.replace('"b", true', '"b", 1'),
        lambda text: text.replace('"M1"', "7"),
        lambda text: text.replace("#G2", "#G3"),  # a glyph the store lacks
        lambda text: "[]",
        # Poisoned: each would reach every page of the site.
        lambda text: text.replace("<use", "<script>alert(1)</script><use", 1),
        lambda text: text.replace("<svg>", "<svg onload=alert(1)>", 1),
        lambda text: text.replace("<svg>", "<svg><foreignObject></foreignObject>", 1),
        lambda text: text.replace("#G1", "https://example.org/g#G1", 1),
        lambda text: text.replace('"css"', '"</style><script>alert(1)</script>"'),
        lambda text: text.replace('"css"', '"@import url(https://example.org/x.css);"'),
        lambda text: text.replace('"M0"', '"M0\\" onload=\\"alert(1)"', 1),
    ],
)
def test_a_damaged_store_is_empty_and_is_written_again(hook, tmp_path, damage) -> None:
    saved = _stored(hook, tmp_path)
    saved.path.write_text(damage(saved.path.read_text()))
    damaged = hook.Drawings(tmp_path)
    assert damaged.formulas == {} and damaged.stylesheet is None
    assert damaged.formula("x", False)[0].startswith("<mjx-container")
    damaged.save()
    assert list(hook.Drawings(tmp_path).formulas) == [("x", False)]


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_store_that_is_a_pipe_or_a_device_is_never_read(hook, tmp_path, kind) -> None:
    store = hook.Drawings(tmp_path)
    if kind == "fifo":
        os.mkfifo(store.path)
    else:
        store.path.symlink_to("/dev/zero")
    assert hook.Drawings(tmp_path).formulas == {}  # returns at once, reads nothing


def test_a_store_that_cannot_be_written_is_left_alone(hook, tmp_path) -> None:
    store = hook.Drawings(tmp_path)
    target = tmp_path / "elsewhere"
    target.write_text("not ours")
    store.path.symlink_to(target)
    store.formula("x", False)
    store.save()  # logged, not raised: the site is built all the same
    assert store.path.is_symlink() and target.read_text() == "not ours"


def test_the_store_is_keyed_on_this_file_and_its_javascript(hook, tmp_path) -> None:
    copy = tmp_path / "static_math.py"
    copy.write_text((ROOT / "scripts/chapter/site/static_math.py").read_text() + "\n# changed\n")
    shutil.copytree(hook.TEMPLATES, tmp_path / "templates")
    spec = importlib.util.spec_from_file_location("static_math_changed", copy)
    changed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(changed)
    assert changed.engine_key() != hook.engine_key()
    key = changed.engine_key()
    with (tmp_path / "templates" / hook.FUNCTIONS).open("a") as script:
        script.write("// changed\n")
    assert changed.engine_key() != key


# MathJax's own output, before slim(): what the drawings must look exactly like.
MATHJAX_OWN = """
function unslimmed(tex, display) {
  MathJax.texReset();
  return MathJax.startup.adaptor.outerHTML(MathJax.tex2svg(tex, {display: display}));
}
"""
ARITHMATEX_SOURCE = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)


def _chapter_formulas() -> list[tuple[str, bool]]:
    """Every formula written in the chapter's Markdown, with a few constructs it may lack."""
    found = {
        (inline or block).strip(): bool(block)
        for path in sorted((ROOT / "docs").rglob("*.md"))
        for inline, block in ARITHMATEX_SOURCE.findall(path.read_text(encoding="utf-8"))
    }
    found |= {
        r"a = b \tag{2.1}": True,
        r"\binom{n}{2} \left\lfloor \frac{n}{t} \right\rfloor": True,
    }
    return sorted(found.items())


def _formula_page(css: str, defs: str, drawings: list[str]) -> str:
    blocks = "".join(f'<div class="f">{d}</div>' for d in drawings)
    return (
        f"<!doctype html><style>{css} body {{ margin: 0; font-size: 20px; color: #000; }}"
        f" .f {{ padding: 4px; }}</style>{defs}{blocks}"
    )


@pytest.mark.slow
@pytest.mark.browser
def test_slimmed_drawings_look_exactly_like_mathjax_own(hook) -> None:
    from browser import launched_chromium

    formulas = _chapter_formulas()
    assert len(formulas) > 100, "the chapter's formulas were not found"
    page = hook._Page("p.md")
    slim = [page.formula(tex, display) for tex, display in formulas]
    engine = hook._math()
    engine._v8.eval(MATHJAX_OWN)
    own = [engine._v8.call("unslimmed", tex, display) for tex, display in formulas]
    assert sum(map(len, slim)) < 0.9 * sum(map(len, own)), "slim() no longer slims"
    pages = (
        _formula_page(hook._store().stylesheet_text(), page.defs(), slim),
        _formula_page(engine._v8.call("stylesheet"), page.defs(), own),
    )
    with launched_chromium() as browser:
        tab = browser.new_page(viewport={"width": 1000, "height": 800})
        shots = []
        for html in pages:
            tab.set_content(html)
            shots.append(tab.screenshot(full_page=True))
        if shots[0] == shots[1]:
            return
        # Which formula differs: slower, so only once something does.
        boxes = []
        for html in pages:
            tab.set_content(html)
            boxes.append([box.screenshot() for box in tab.locator(".f").all()])
    for (tex, _), ours, theirs in zip(formulas, *boxes, strict=True):
        assert ours == theirs, f"{tex!r} looks different from MathJax's own drawing"
    pytest.fail("the page of formulas looks different from MathJax's own")
