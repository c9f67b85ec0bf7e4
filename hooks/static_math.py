"""Render every formula to SVG while the site builds, so pages ship no math engine.

MathJax 3 (from the django-static-mathjax package) runs unchanged in an
embedded V8 (mini-racer). Arithmatex marks page math as ``\\(...\\)`` and
``\\[...\\]``; notebook Markdown cells keep Jupyter's ``$...$`` and ``$$...$$``.
Each formula becomes an ``<mjx-container>`` holding an SVG drawn in
currentColor (so it follows the palette) and a hidden copy in MathML for
screen readers. Glyph shapes are written once per page, in one ``<defs>``
block that every formula on the page points at. A formula MathJax cannot
parse fails the build, naming the page and the formula.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

STYLESHEET = "assets/stylesheets/mathjax-svg.css"

# The MathJax components the build needs; the TeX input has every extension built in.
COMPONENTS = ("adaptors/liteDOM", "input/tex-full", "output/svg", "a11y/assistive-mml")

SETUP = """
var MathJax = {
  loader: {
    paths: {mathjax: 'es5'},
    load: %(load)s,
    require: function (file) {
      (0, eval)(SOURCES[file.replace(/^es5\\//, '').replace(/\\.js$/, '')]);
    },
  },
  tex: {
    // An explicit \\tag{..} still shows; 'none' only stops MathJax from numbering
    // align and equation on its own, which one formula at a time would count as (1).
    tags: 'none',
    // Without these two, a typo renders as red text instead of failing the build.
    packages: {'[-]': ['noerrors', 'noundefined']},
    formatError: function (jax, error) { throw new Error(error.message); },
  },
  svg: {fontCache: 'global'},
  startup: {typeset: false},
};
"""

FUNCTIONS = """
function render(tex, display) {
  // Each formula on its own: no equation numbers or labels carried over from the last.
  MathJax.texReset();
  var html = MathJax.startup.adaptor.outerHTML(MathJax.tex2svg(tex, {display: display}));
  // The global font cache maps each glyph id to its outline, for every glyph drawn so far.
  var cache = MathJax.startup.output.fontCache.cache;
  var glyphs = {};
  html.replace(/xlink:href="#([^"]+)"/g, function (use, id) { glyphs[id] = cache.get(id); });
  return JSON.stringify({html: html, glyphs: glyphs});
}
function stylesheet() {
  return MathJax.startup.adaptor.textContent(MathJax.svgStylesheet());
}
"""

# Arithmatex escapes < in TeX, so a formula never holds the closing tag.
ARITHMATEX = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<body>.*?)</(?P=tag)>', re.S)
NOTEBOOK_CELL = '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput"'
NOTEBOOK_DISPLAY = re.compile(r"<p>\s*\$\$(?P<tex>.+?)\$\$\s*</p>", re.S)
# Jupyter's rule: $ not escaped, not followed or preceded by a space inside.
NOTEBOOK_INLINE = re.compile(r"(?<![\\$])\$(?![\s$])(?P<tex>[^$]+?)(?<![\s\\])\$")
CODE = re.compile(r"(<(pre|code)\b.*?</\2>)", re.S)


class MathEngine:
    """One V8 running MathJax; start-up takes about half a second, a formula a few ms."""

    def __init__(self) -> None:
        from py_mini_racer import MiniRacer

        es5 = _mathjax_es5()
        sources = {
            name: (es5 / f"{name}.js").read_text(encoding="utf-8")
            for name in ("core", *COMPONENTS, "output/svg/fonts/tex")
        }
        self._v8 = MiniRacer()
        self._v8.eval("var SOURCES = " + json.dumps(sources) + ";")
        self._v8.eval(SETUP % {"load": json.dumps(list(COMPONENTS))})
        self._v8.eval((es5 / "startup.js").read_text(encoding="utf-8"))
        self._v8.eval("MathJax.startup.promise").get(timeout=30)
        self._v8.eval(FUNCTIONS)
        # Kept for the whole process, so `mkdocs serve` re-renders only new formulas.
        self._rendered: dict[tuple[str, bool], tuple[str, dict[str, str]]] = {}

    def render(self, tex: str, display: bool) -> tuple[str, dict[str, str]]:
        """One formula's <mjx-container> and the glyph outlines it uses, by id.

        Raises ValueError with MathJax's message when the TeX does not parse.
        """
        key = (tex, display)
        if key not in self._rendered:
            try:
                result = json.loads(self._v8.call("render", tex, display))
            except Exception as error:  # MathJax's TeX errors reach Python as JS exceptions
                raise ValueError(_first_line(str(error))) from error
            self._rendered[key] = (result["html"], result["glyphs"])
        return self._rendered[key]

    def stylesheet(self) -> str:
        """MathJax's own CSS for its SVG output and for the hidden MathML."""
        return self._v8.call("stylesheet")

    def close(self) -> None:
        """Stop V8 now rather than at interpreter exit, where its clean-up can stall."""
        self._v8.close()


def _first_line(message: str) -> str:
    # mini-racer appends the offending line of MathJax's minified source; keep the message.
    return message.removeprefix("undefined:1: ").splitlines()[0]


def _mathjax_es5() -> Path:
    try:
        root = Path(str(resources.files("mathjax"))) / "static" / "mathjax" / "es5"
    except ModuleNotFoundError:
        root = None
    if root is None or not (root / "startup.js").is_file():
        raise PluginError(
            "MathJax not found: install django-static-mathjax (pip install -r requirements.txt)"
        )
    return root


_engine: MathEngine | None = None


def _math() -> MathEngine:
    # MkDocs loads a hook module once per process, so one V8 serves every rebuild.
    global _engine
    if _engine is None:
        _engine = MathEngine()
    return _engine


class _Page:
    """The formulas of one page, rendered, and the glyphs they share."""

    def __init__(self, src_uri: str) -> None:
        self.src_uri = src_uri
        self.glyphs: dict[str, str] = {}

    def formula(self, tex: str, display: bool) -> str:
        """The drawing of one formula, in the box arithmatex would have put it in."""
        try:
            container, glyphs = _math().render(tex, display)
        except ValueError as error:
            raise PluginError(
                f"{self.src_uri}: cannot render the formula {tex!r}: {error}"
            ) from None
        self.glyphs.update(glyphs)
        if display:
            # Material scrolls a wide display formula inside this box.
            return f'<div class="arithmatex">{container}</div>'
        return f'<span class="arithmatex">{container}</span>'

    def defs(self) -> str:
        """One hidden SVG holding every glyph outline this page's formulas point at."""
        if not self.glyphs:
            return ""
        paths = "".join(
            f'<path id="{id_}" d="{path}"></path>' for id_, path in sorted(self.glyphs.items())
        )
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" style="display: none;" aria-hidden="true">'
            f"<defs>{paths}</defs></svg>"
        )


def _arithmatex(text: str, page: _Page) -> str:
    def draw(match: re.Match) -> str:
        body = html.unescape(match.group("body")).strip()
        if body.startswith("\\(") and body.endswith("\\)"):
            return page.formula(body[2:-2].strip(), display=False)
        if body.startswith("\\[") and body.endswith("\\]"):
            return page.formula(body[2:-2].strip(), display=True)
        # A bare \begin{align} ... \end{align} block is display math too.
        return page.formula(body, display=match.group("tag") == "div")

    return ARITHMATEX.sub(draw, text)


def _outside_code(text: str, replace) -> str:
    # Dollar signs in code are code.
    parts = CODE.split(text)
    # re.split with two groups yields text, code, tag name, text, ...
    return "".join(
        replace(part) if i % 3 == 0 else part for i, part in enumerate(parts) if i % 3 != 2
    )


def _notebook_cells(text: str, page: _Page) -> str:
    """Math in notebook Markdown cells, which Jupyter writes as $...$ and $$...$$."""
    out, pos = [], 0
    while (start := text.find(NOTEBOOK_CELL, pos)) != -1:
        end = _closing_div(text, start)
        out.append(text[pos:start])
        out.append(_outside_code(text[start:end], lambda part: _dollars(part, page)))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _dollars(part: str, page: _Page) -> str:
    part = NOTEBOOK_DISPLAY.sub(lambda m: page.formula(_tex(m), display=True), part)
    if "$$" in part:
        raise PluginError(
            f"{page.src_uri}: a $$ formula shares its paragraph with text; "
            "give it a paragraph of its own"
        )
    return NOTEBOOK_INLINE.sub(lambda m: page.formula(_tex(m), display=False), part)


def _tex(match: re.Match) -> str:
    return html.unescape(match.group("tex")).strip()


def _closing_div(text: str, start: int) -> int:
    """Index just past the </div> that closes the <div> opening at start."""
    depth = 0
    for tag in re.finditer(r"<(/?)div\b[^>]*>", text[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return start + tag.end()
    raise PluginError("unbalanced <div> in a notebook Markdown cell")


def on_config(config):
    config.extra_css.append(STYLESHEET)
    return config


def on_files(files, config):
    files.append(File.generated(config, STYLESHEET, content=_math().stylesheet()))
    return files


def on_page_content(html_text, page, config, files):
    math = _Page(page.file.src_uri)
    html_text = _arithmatex(html_text, math)
    if page.file.src_uri.endswith(".ipynb"):
        html_text = _notebook_cells(html_text, math)
    return math.defs() + html_text


def on_shutdown():
    global _engine
    if _engine is not None:
        _engine.close()
        _engine = None
