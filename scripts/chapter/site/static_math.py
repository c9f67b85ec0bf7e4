"""Render every formula to SVG while the site builds, so pages ship no math engine.

MathJax 3 (from the django-static-mathjax package) runs unchanged in an
embedded V8 (mini-racer). Arithmatex marks page math as ``\\(...\\)`` and
``\\[...\\]``; notebook Markdown cells keep Jupyter's ``$...$`` and ``$$...$$``.
Each formula becomes an ``<mjx-container>`` holding an SVG drawn in
currentColor (so it follows the palette) and a hidden copy in MathML for
screen readers. Glyph shapes are written once per page, in one ``<defs>``
block that every formula on the page points at. A formula MathJax cannot
parse fails the build, naming the page and the formula.

Drawings are kept on disk between builds, in .cache/math beside mkdocs.yml (the
environment variable MATH_CACHE_DIR points them elsewhere), keyed on the TeX,
the display mode, this file, its JavaScript (templates/) and the versions of
MathJax and V8. A build that finds every formula there never starts V8.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
from html.parser import HTMLParser
from importlib import metadata, resources
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from chapter.shared import templates
from chapter.shared.safe_files import UnsafePath, read_input, write_file

log = logging.getLogger("mkdocs.hooks.static_math")

STYLESHEET = "assets/stylesheets/mathjax-svg.css"
CACHE_DIR_VARIABLE = "MATH_CACHE_DIR"
DEFAULT_CACHE_DIR = ".cache/math"
# Far above the few hundred kilobytes the chapter's drawings take.
CACHE_LIMIT = 64 * 2**20

# The MathJax components the build needs; the TeX input has every extension built in.
COMPONENTS = ("adaptors/liteDOM", "input/tex-full", "output/svg", "a11y/assistive-mml")

# The JavaScript run in V8 beside MathJax: its configuration (a template given the
# components to load) and the functions Python calls. They change the drawings too.
TEMPLATES = Path(__file__).parent / "templates"
SETUP = "mathjax_setup.js.j2"
FUNCTIONS = "mathjax_functions.js"

# Arithmatex escapes < in TeX, so a formula never holds the closing tag.
ARITHMATEX = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<body>.*?)</(?P=tag)>', re.S)
NOTEBOOK_CELL = '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput"'
NOTEBOOK_DISPLAY = re.compile(r"<p>\s*\$\$(?P<tex>.+?)\$\$\s*</p>", re.S)
# Jupyter's rule: $ not escaped, not followed or preceded by a space inside.
NOTEBOOK_INLINE = re.compile(r"(?<![\\$])\$(?![\s$])(?P<tex>[^$]+?)(?<![\s\\])\$")
CODE = re.compile(r"(<(pre|code)\b.*?</\2>)", re.S)
DEFS_START = '<svg xmlns="http://www.w3.org/2000/svg" style="display: none;" aria-hidden="true">'
# A formula's SVG, between its container's opening tag and its hidden MathML copy.
DRAWING = re.compile(r"(<mjx-container\b[^>]*>)(<svg\b.*?)(?=<mjx-assistive-mml\b)", re.S)
SET_ASIDE = re.compile(r"<!--static-math drawing (\d+)-->")
GLYPH_USE = re.compile(r'<use [^>]*xlink:href="#([^"]+)"')
GLYPH_SELECTOR = 'mjx-container[jax="SVG"] use[data-c]'


# A formula's <mjx-container>, and the outline of each glyph it uses, by id.
Drawing = tuple[str, dict[str, str]]


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
        setup = templates.environment(TEMPLATES, autoescape=False).get_template(SETUP)
        self._v8.eval(setup.render(load=json.dumps(list(COMPONENTS))))
        self._v8.eval((es5 / "startup.js").read_text(encoding="utf-8"))
        self._v8.eval("MathJax.startup.promise").get(timeout=30)
        self._v8.eval((TEMPLATES / FUNCTIONS).read_text(encoding="utf-8"))

    def render(self, tex: str, display: bool) -> Drawing:
        """One formula's <mjx-container> and the glyph outlines it uses, by id.

        Raises ValueError with MathJax's message when the TeX does not parse.
        """
        try:
            result = json.loads(self._v8.call("render", tex, display))
        except Exception as error:  # MathJax's TeX errors reach Python as JS exceptions
            raise ValueError(_first_line(str(error))) from error
        return result["html"], result["glyphs"]

    def stylesheet(self) -> str:
        """MathJax's own CSS for its SVG output and for the hidden MathML."""
        css = self._v8.call("stylesheet")
        # slim() drops data-c, which MathJax's CSS picks glyphs by to give them their weight.
        if GLYPH_SELECTOR not in css:
            raise PluginError(f"MathJax's stylesheet no longer has {GLYPH_SELECTOR}")
        return css.replace(GLYPH_SELECTOR, 'mjx-container[jax="SVG"] use')

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


def engine_key() -> str:
    """What the drawings depend on besides the TeX: this file, its JavaScript, MathJax
    and V8."""
    hasher = hashlib.sha256(Path(__file__).read_bytes())
    for name in (SETUP, FUNCTIONS):
        hasher.update((TEMPLATES / name).read_bytes())
    for package in ("django-static-mathjax", "mini-racer"):
        hasher.update(f"{package}=={metadata.version(package)}".encode())
    return hasher.hexdigest()[:32]


class Drawings:
    """Every formula drawn, by TeX and display mode, and the stylesheet, kept on disk.

    A file that is missing, cut short or not what this class writes is an empty
    store: every formula is drawn again and the file is written whole.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / f"{engine_key()}.json"
        self.stylesheet, self.formulas = _read_drawings(self.path)
        self.used: set[tuple[str, bool]] = set()
        self.drawn = 0  # by MathJax, in this build
        self.changed = False

    def stylesheet_text(self) -> str:
        if self.stylesheet is None:
            self.stylesheet = _math().stylesheet()
            self.changed = True
        return self.stylesheet

    def formula(self, tex: str, display: bool) -> Drawing:
        """The drawing of tex, from the store or else from MathJax; ValueError if it fails."""
        key = (tex, display)
        if key not in self.formulas:
            self.formulas[key] = _math().render(tex, display)
            self.drawn += 1
            self.changed = True
        self.used.add(key)
        return self.formulas[key]

    def start_build(self) -> None:
        self.used.clear()
        self.drawn = 0

    def save(self) -> None:
        """Write the store, keeping only this build's formulas, if it changed."""
        unused = self.formulas.keys() - self.used
        if not (self.changed or unused):
            return
        for key in unused:
            del self.formulas[key]
        glyphs = {id_: path for _, used in self.formulas.values() for id_, path in used.items()}
        entries = [
            [tex, display, container] for (tex, display), (container, _) in self.formulas.items()
        ]
        data = json.dumps({"stylesheet": self.stylesheet, "glyphs": glyphs, "formulas": entries})
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for stale in self.path.parent.glob("*.json"):
                if stale != self.path:
                    stale.unlink()  # drawn by another version of MathJax or of this file
            write_file(self.path, data.encode())
        except (OSError, UnsafePath) as error:
            # The site is built; a store that cannot be written (a full disk) only costs the
            # next build its drawing, so this is not a warning that fails --strict.
            log.info("Math cache not written: %s", error)
            return
        self.changed = False


# What a stored drawing may hold: the elements MathJax's SVG output and its hidden
# MathML copy use, attributes that run nothing, links only within the page, glyph
# outlines that are path data only, and a stylesheet that loads nothing and cannot
# close its <style> element. Anything else in the store is not ours: redraw.
DRAWING_ELEMENTS = frozenset(
    [
        "mjx-container",
        "mjx-assistive-mml",
        "svg",
        "g",
        "use",
        "rect",
        "text",
        "path",
        "line",
        "title",
        "desc",
        "defs",
        "math",
        "semantics",
        "mi",
        "mo",
        "mn",
        "ms",
        "mtext",
        "mspace",
        "mrow",
        "msup",
        "msub",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mstyle",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "munderover",
        "munder",
        "mover",
        "mpadded",
        "mphantom",
        "menclose",
        "merror",
        "mmultiscripts",
        "mprescripts",
        "none",
    ]
)
GLYPH_PATH = re.compile(r"[MLHVCSQTAZmlhvcsqtaz0-9.,eE \n-]*")
UNSAFE_VALUE = re.compile(r"javascript:|url\(|expression\(|@import|<", re.I)


class _DrawingCheck(HTMLParser):
    """Fails on the first element, attribute or markup a MathJax drawing never holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in DRAWING_ELEMENTS:
            self.bad = self.bad or f"element {tag}"
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or UNSAFE_VALUE.search(value):
                self.bad = self.bad or f"attribute {name}"
            if name.endswith("href") and not value.startswith("#"):
                self.bad = self.bad or f"link {value[:40]}"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag not in DRAWING_ELEMENTS:
            self.bad = self.bad or f"element {tag}"

    def handle_comment(self, data: str) -> None:
        self.bad = self.bad or "a comment"

    def handle_decl(self, decl: str) -> None:
        self.bad = self.bad or "a declaration"

    def handle_pi(self, data: str) -> None:
        self.bad = self.bad or "a processing instruction"

    def unknown_decl(self, data: str) -> None:
        self.bad = self.bad or "a declaration"


def drawing_problem(container: str) -> str:
    """Why container is not a drawing MathJax made ("" when it could be one)."""
    check = _DrawingCheck()
    check.feed(container)
    check.close()
    return check.bad


def _read_drawings(path: Path) -> tuple[str | None, dict[tuple[str, bool], Drawing]]:
    try:
        data = json.loads(read_input(path, CACHE_LIMIT))
        stylesheet, glyphs, entries = data["stylesheet"], data["glyphs"], data["formulas"]
        if not (
            isinstance(stylesheet, str | None) and all(isinstance(p, str) for p in glyphs.values())
        ):
            raise ValueError("not a stylesheet and glyphs")
        if stylesheet is not None and UNSAFE_VALUE.search(stylesheet):
            raise ValueError("a stylesheet that loads or closes something")
        if not all(GLYPH_PATH.fullmatch(p) for p in glyphs.values()):
            raise ValueError("a glyph that is not an outline")
        formulas = {}
        for tex, display, container in entries:
            if not (isinstance(tex, str) and isinstance(display, bool)):
                raise ValueError("not a formula")
            if not isinstance(container, str) or drawing_problem(container):
                raise ValueError("not a drawing")
            formulas[tex, display] = container, {i: glyphs[i] for i in GLYPH_USE.findall(container)}
    except (UnsafePath, ValueError, KeyError, TypeError, AttributeError):
        return None, {}
    return stylesheet, formulas


_drawings: Drawings | None = None


def _store() -> Drawings:
    if _drawings is None:
        raise PluginError("static_math: on_config has not run")
    return _drawings


class _Page:
    """The formulas of one page, rendered, and the glyphs they share."""

    def __init__(self, src_uri: str) -> None:
        self.src_uri = src_uri
        self.glyphs: dict[str, str] = {}

    def formula(self, tex: str, display: bool) -> str:
        """The drawing of one formula, in the box arithmatex would have put it in."""
        try:
            container, glyphs = _store().formula(tex, display)
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
        return f"{DEFS_START}<defs>{paths}</defs></svg>"


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
    global _drawings
    folder = Path(config.config_file_path).parent / os.environ.get(
        CACHE_DIR_VARIABLE, DEFAULT_CACHE_DIR
    )
    # `mkdocs serve` loads the config again for each rebuild; the store lives on.
    if _drawings is None or _drawings.path.parent != folder:
        _drawings = Drawings(folder)
    config.extra_css.append(STYLESHEET)
    return config


def on_pre_build(config):
    _store().start_build()
    _set_aside.clear()


def on_files(files, config):
    files.append(File.generated(config, STYLESHEET, content=_store().stylesheet_text()))
    return files


# Each page's drawings, by their place in set_aside()'s list, until on_page_context.
_set_aside: dict[str, list[str]] = {}


def set_aside(html_text: str) -> tuple[str, list[str]]:
    """The page with each formula's SVG replaced by a numbered comment, and the SVGs.

    The glyph outlines and the drawings hold no words for the search index, and
    parsing their thousands of tags was most of the time the search plugin took.
    """
    drawings: list[str] = []

    def aside(svg: str) -> str:
        drawings.append(svg)
        return f"<!--static-math drawing {len(drawings) - 1}-->"

    if html_text.startswith(DEFS_START):
        end = html_text.index("</svg>") + len("</svg>")
        html_text = aside(html_text[:end]) + html_text[end:]
    return DRAWING.sub(lambda m: m.group(1) + aside(m.group(2)), html_text), drawings


def put_back(html_text: str, drawings: list[str]) -> str:
    return SET_ASIDE.sub(lambda m: drawings[int(m.group(1))], html_text)


def on_page_content(html_text, page, config, files):
    math = _Page(page.file.src_uri)
    html_text = _arithmatex(html_text, math)
    if page.file.src_uri.endswith(".ipynb"):
        html_text = _notebook_cells(html_text, math)
    html_text, _set_aside[page.file.src_uri] = set_aside(math.defs() + html_text)
    return html_text


# Runs after the search plugin has read the page (see events.on_page_context).
def on_page_context(context, page, config, nav):
    drawings = _set_aside.pop(page.file.src_uri, None)
    if drawings:
        page.content = put_back(page.content, drawings)
    return context


def on_post_build(config):
    store = _store()
    log.info("Math: %d formulas, %d drawn by MathJax", len(store.used), store.drawn)
    store.save()


def on_shutdown():
    global _engine
    if _engine is not None:
        _engine.close()
        _engine = None
