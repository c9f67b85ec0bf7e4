"""Number labelled equations, figures and tables per page, and link references to them.

Authors write ``\\label{eq:name}`` inside a display formula and ``\\eqref{eq:name}``
in prose; a caption block holding ``\\label{fig:name}`` or ``\\label{tab:name}`` is
referred to by ``\\ref{fig:name}``. The page number is the leading number of the
page's nav title ("1 Efficient self-attention"), so numbers read (1.3),
Figure 1.3 and Table 1.1. Only labelled items are numbered: an unlabelled formula
renumbers nothing. A reference to a label the page does not define fails the
build.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError

LABEL = re.compile(r"\\label\{(eq|fig|tab):([a-z0-9-]+)\}")
REFERENCE = re.compile(r"\\(eqref|ref)\{(eq|fig|tab):([a-z0-9-]+)\}")
ANY_COMMAND = re.compile(r"\\(?:label|eqref|ref)\{[^}]*\}")
FENCE = re.compile(r"^\s*(```|~~~)")
CAPTION = re.compile(r"^(\s*)/// caption\s*$")
SNIPPET = re.compile(r'^(\s*)--8<-- "([^"]+\.md)"\s*$')
NAV_NUMBER = re.compile(r"^(\d+)\s")
# A line that can end in an inline anchor without changing what it is.
NOT_PROSE = re.compile(r"^\s*(#|\?\?\?|!!!|///|\||```|~~~|<|\\\[|\$\$|$)")
KINDS = {"eq": "equation", "fig": "Figure", "tab": "Table"}


def _outside_fences(lines: list[str]) -> list[bool]:
    """For each line, whether it lies outside fenced code."""
    inside, result = False, []
    for line in lines:
        if FENCE.match(line):
            inside = not inside
            result.append(False)
        else:
            result.append(not inside)
    return result


def _display_start(lines: list[str], index: int, page: str) -> int:
    """The line where the display formula holding line index opens."""
    for k in range(index, -1, -1):
        if "\\[" in lines[k] or lines[k].strip().startswith("$$"):
            return k
    raise PluginError(f"{page}: equation label on line {index + 1} is outside a display formula")


def _anchor_equation(lines: list[str], start: int, anchor: str) -> None:
    """Put an empty span with the anchor id just before the display opening at start.

    It ends the prose line before the formula when there is one at the same
    indentation (an empty paragraph would add a gap); otherwise it becomes its
    own paragraph, indented like the formula so it stays inside admonitions.
    """
    span = f'<span id="{anchor}"></span>'
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    before = start - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    if (
        before >= 0
        and not NOT_PROSE.match(lines[before])
        and lines[before].startswith(indent)
        and not lines[before][len(indent) :].startswith((" ", "\t"))
    ):
        lines[before] = f"{lines[before].rstrip()} {span}"
    else:
        lines[start:start] = [f"{indent}{span}", ""]


def _caption_end(lines: list[str], start: int, page: str) -> int:
    indent = CAPTION.match(lines[start]).group(1)
    for k in range(start + 1, len(lines)):
        if lines[k].rstrip() == f"{indent}///":
            return k
    raise PluginError(f"{page}: caption block on line {start + 1} is never closed")


def number_page(markdown: str, chapter: int | None, page: str) -> str:
    """Replace labels by numbers and anchors, and references by links to them."""
    lines = markdown.split("\n")
    numbers: dict[tuple[str, str], str] = {}
    counters = dict.fromkeys(KINDS, 0)
    outside = _outside_fences(lines)

    def number(kind: str, name: str, line: int) -> str:
        if chapter is None:
            raise PluginError(
                f"{page}: \\label{{{kind}:{name}}} needs a nav title that starts with a number"
            )
        if (kind, name) in numbers:
            raise PluginError(f"{page}: label {kind}:{name} is defined twice (line {line + 1})")
        counters[kind] += 1
        numbers[kind, name] = f"{chapter}.{counters[kind]}"
        return numbers[kind, name]

    # Captions first, then equations, each in page order; both passes only read
    # labels, so the order between the two kinds does not matter.
    k = 0
    while k < len(lines):
        match = CAPTION.match(lines[k]) if outside[k] else None
        if match:
            end = _caption_end(lines, k, page)
            body = "\n".join(lines[k + 1 : end])
            labels = LABEL.findall(body)
            if len(labels) != 1 or labels[0][0] == "eq":
                raise PluginError(
                    f"{page}: the caption on line {k + 1} needs exactly one "
                    "\\label{fig:...} or \\label{tab:...}"
                )
            kind, name = labels[0]
            value = number(kind, name, k)
            block = "figure-caption" if kind == "fig" else "table-caption"
            # Tables carry their caption above them, figures below.
            side = "< " if kind == "tab" else ""
            lines[k] = f"{match.group(1)}/// {block} | {side}{value} #{kind}-{name}"
            for m in range(k + 1, end):
                lines[m] = LABEL.sub("", lines[m]).rstrip()
            k = end
        k += 1

    k = 0
    while k < len(lines):
        match = LABEL.search(lines[k]) if outside[k] else None
        if match and match.group(1) == "eq":
            value = number("eq", match.group(2), k)
            lines[k] = lines[k][: match.start()] + f"\\tag{{{value}}}" + lines[k][match.end() :]
            start = _display_start(lines, k, page)
            before = len(lines)
            _anchor_equation(lines, start, f"eq-{match.group(2)}")
            outside[start:start] = [True] * (len(lines) - before)
            k += len(lines) - before
            continue
        if match:
            label = f"{match.group(1)}:{match.group(2)}"
            raise PluginError(f"{page}: \\label{{{label}}} on line {k + 1} is outside a caption")
        k += 1

    def link(match: re.Match) -> str:
        command, kind, name = match.groups()
        if (kind, name) not in numbers:
            raise PluginError(f"{page}: \\{command}{{{kind}:{name}}} names no label on this page")
        if (command == "eqref") != (kind == "eq"):
            raise PluginError(f"{page}: use \\eqref for equations and \\ref for figures and tables")
        value = numbers[kind, name]
        text = f"({value})" if kind == "eq" else f"{KINDS[kind]} {value}"
        return f"[{text}](#{kind}-{name})"

    for k, line in enumerate(lines):
        if outside[k]:
            lines[k] = REFERENCE.sub(link, line)
            if stray := ANY_COMMAND.search(lines[k]):
                raise PluginError(f"{page}: cannot read {stray.group(0)} on line {k + 1}")
    return "\n".join(lines)


def _inline_snippets(markdown: str, base_paths: list[Path], page: str) -> str:
    """Inline Markdown snippets now, so their figures share the page's numbering."""

    def read(match: re.Match) -> str:
        indent, name = match.groups()
        for base in base_paths:
            path = base / name
            if path.is_file():
                text = path.read_text(encoding="utf-8").rstrip("\n")
                return "\n".join(f"{indent}{line}" if line else "" for line in text.split("\n"))
        raise PluginError(f"{page}: snippet {name} not found in {[str(b) for b in base_paths]}")

    return "\n".join(
        SNIPPET.sub(read, line) if SNIPPET.match(line) else line for line in markdown.split("\n")
    )


def chapter_number(title: str | None) -> int | None:
    """The leading number of a nav title such as "2 RNNs for images", if any."""
    match = NAV_NUMBER.match(title or "")
    return int(match.group(1)) if match else None


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri.endswith(".ipynb"):
        return markdown
    root = Path(config.config_file_path).parent
    options = config.mdx_configs.get("pymdownx.snippets", {})
    bases = options.get("base_path", ["."])
    bases = [root / b for b in ([bases] if isinstance(bases, str) else bases)]
    markdown = _inline_snippets(markdown, bases, page.file.src_uri)
    return number_page(markdown, chapter_number(page.title), page.file.src_uri)


# pymdownx's caption does not always leave a space after its prefix (a caption that
# opens with a glossary <abbr>, or one whose first line was a \label), and
# "Figure 1.2.Causal" runs together.
_PREFIX_WITHOUT_SPACE = re.compile(r'(<span class="caption-prefix">[^<]*</span>)(?=\S)')


def on_page_content(html, page, config, files):
    return _PREFIX_WITHOUT_SPACE.sub(r"\1 ", html)
