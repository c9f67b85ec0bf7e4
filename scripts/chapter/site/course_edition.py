"""Build the course edition: the same chapter with every answer to the homework left out.

mkdocs.yml builds the public edition. mkdocs-course.yml inherits it and sets
`extra.edition`, which names what the course edition leaves out:

- `pages`: pages, with their nav entries (the worked notebook);
- `files`: generated files no page may use (the explorers' data);
- `sections`: every section whose heading reads so, down to the next heading
  of its level or above;
- `held_back`: sections that keep their heading (links to it still work) and
  show the given note in place of their text;
- `blocks`: every collapsible or admonition block with that title ("Solution");
- `answers_under`: under these headings, a question block keeps its question,
  as a list item, and loses its answer;

and each page marks the rest itself: `<!-- chapter:answer -->` ... `<!-- chapter:end-answer -->`
around an answer (a few words or whole blocks), and `<!-- chapter:course-note TEXT -->` for
text only the course edition shows. A figure that no page of the edition shows
any more is left out too. In the public edition the markers go and nothing else
changes, so its pages are the pages without this hook. A name in `extra.edition`
that matches nothing stops the build: a renamed heading cannot let answers back in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mkdocs.exceptions import PluginError

KEYS = {"pages", "files", "sections", "held_back", "blocks", "answers_under"}

# A marker alone on its line takes the line with it, so that adding markers to a
# page leaves the public edition's Markdown exactly as it was.
_LINE = r"^[ \t]*{}[ \t]*\n"
OPEN, CLOSE = "<!-- chapter:answer -->", "<!-- chapter:end-answer -->"
SPAN = re.compile(
    _LINE.format(re.escape(OPEN))
    + r".*?"
    + _LINE.format(re.escape(CLOSE))
    + "|"
    + re.escape(OPEN)
    + r".*?"
    + re.escape(CLOSE),
    re.S | re.M,
)
_ANSWER = r"<!-- chapter:(?:end-)?answer -->"
MARKER = re.compile(_LINE.format(_ANSWER) + "|" + _ANSWER, re.M)
_TEXT = r"<!-- chapter:course-note\s((?:(?!-->).)*)-->"
COURSE = re.compile(_LINE.format(_TEXT) + "|" + _TEXT, re.S | re.M)

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BLOCK = re.compile(r'^(\s*)(?:\?\?\?\+?|!!!)\s+[\w-]+(?:\s+"(.*)")?\s*$')
FIGURE = re.compile(r"figures/[\w.-]+\.svg")


@dataclass
class Edition:
    """What the course edition leaves out, from extra.edition; empty for the public one."""

    pages: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    held_back: dict[str, str] = field(default_factory=dict)
    blocks: list[str] = field(default_factory=list)
    answers_under: list[str] = field(default_factory=list)

    @classmethod
    def from_config(cls, config) -> Edition | None:
        settings = config.extra.get("edition")
        if settings is None:
            return None
        if not isinstance(settings, dict) or set(settings) - KEYS:
            raise PluginError(f"extra.edition: expected a mapping with keys {sorted(KEYS)}")
        for key, value in settings.items():
            kind = dict if key == "held_back" else list
            texts = [*value, *value.values()] if isinstance(value, dict) else value
            if not isinstance(value, kind) or not all(isinstance(v, str) for v in texts):
                raise PluginError(f"extra.edition.{key}: expected a {kind.__name__} of text")
        return cls(**settings)


_edition: Edition | None = None
# Names of extra.edition used so far, and the figures pages showed before and after.
_used: set[str] = set()
_figures: dict[str, set[str]] = {"before": set(), "after": set()}


def _code_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to fenced code (where # is a comment, not a heading)."""
    inside, result = False, []
    for line in lines:
        fence = bool(FENCE.match(line))
        result.append(inside or fence)
        inside ^= fence
    return result


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block_end(lines: list[str], start: int) -> int:
    """The line after the block that opens at start: its body is indented deeper."""
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or _indent(lines[end]) > _indent(lines[start])
    ):
        end += 1
    return end


def leave_out(markdown: str, edition: Edition, used: set[str]) -> str:
    """The page's Markdown as the course edition shows it; names it matched go into used."""
    lines = markdown.split("\n")
    code = _code_lines(lines)
    out: list[str] = []
    dropping = 0  # the level of the heading whose section is being left out
    under = ""  # the heading whose question blocks lose their answers
    k = 0
    while k < len(lines):
        line = lines[k]
        heading = None if code[k] else HEADING.match(line)
        if heading:
            level = len(heading[1])
            if dropping and level > dropping:
                k += 1
                continue
            dropping, under = 0, ""
            if heading[2] in edition.sections or heading[2] in edition.held_back:
                used.add(heading[2])
                dropping = level
                if heading[2] in edition.held_back:
                    out += [line, "", edition.held_back[heading[2]], ""]
                k += 1
                continue
            if heading[2] in edition.answers_under:
                used.add(heading[2])
                under = heading[2]
        if dropping:
            k += 1
            continue
        block = None if code[k] else BLOCK.match(line)
        if block and block[2] in edition.blocks:
            used.add(block[2])
            k = _block_end(lines, k)
            continue
        if block and under and block[2] is not None:
            out += [f"{block[1]}- {block[2]}", ""]
            k = _block_end(lines, k)
            continue
        out.append(line)
        k += 1
    text = SPAN.sub("", "\n".join(out))
    return COURSE.sub(lambda m: _course_text(m), text)


def _course_text(match: re.Match) -> str:
    if match[1] is not None:  # alone on its lines: a block of its own
        return "\n" + match[1].strip("\n") + "\n\n"
    return match[2]


def public(markdown: str) -> str:
    """The page's Markdown as the public edition shows it: the markers removed."""
    return COURSE.sub("", MARKER.sub("", markdown))


def _check_markers(markdown: str, where: str) -> None:
    opens, closes = markdown.count(OPEN), markdown.count(CLOSE)
    spans = len(SPAN.findall(markdown))
    if not opens == closes == spans:
        raise PluginError(
            f"{where}: {opens} {OPEN} and {closes} {CLOSE} make {spans} spans;"
            " each answer needs one of each, not nested"
        )


def _prune_nav(items: list, pages: set[str]) -> list:
    kept = []
    for item in items:
        title, target = next(iter(item.items())) if isinstance(item, dict) else (None, item)
        if isinstance(target, list):
            kept.append({title: _prune_nav(target, pages)})
        elif target in pages:
            _used.add(target)
        else:
            kept.append(item)
    return kept


def on_config(config):
    global _edition
    _edition = Edition.from_config(config)
    _used.clear()
    if _edition is not None and config.nav is not None:
        config.nav = _prune_nav(config.nav, set(_edition.pages))
    return config


def on_pre_build(config):
    _figures["before"].clear()
    _figures["after"].clear()


def on_files(files, config):
    if _edition is not None:
        for src in _edition.pages:
            file = files.get_file_from_path(src)
            if file is None:
                raise PluginError(f"extra.edition.pages: no page {src}")
            files.remove(file)
    return files


def on_page_markdown(markdown, page, config, files):
    _check_markers(markdown, page.file.src_uri)
    _figures["before"].update(FIGURE.findall(markdown))
    if _edition is None:
        return public(markdown)
    markdown = leave_out(markdown, _edition, _used)
    _figures["after"].update(FIGURE.findall(markdown))
    return markdown


def on_env(env, config, files):
    if _edition is None:
        return env
    for src in _edition.files:
        file = files.get_file_from_path(src)
        if file is None:
            raise PluginError(f"extra.edition.files: no file {src}")
        files.remove(file)
        _used.add(src)
    for src in sorted(_figures["before"] - _figures["after"]):
        file = files.get_file_from_path(src)
        if file is not None:
            files.remove(file)
    names = [*_edition.pages, *_edition.sections, *_edition.held_back]
    names += [*_edition.blocks, *_edition.answers_under]
    unused = [name for name in names if name not in _used]
    if unused:
        raise PluginError(f"extra.edition names what no page has: {', '.join(unused)}")
    return env
