"""The course edition (mkdocs-course.yml): the chapter with every answer to the homework
left out, in its pages, its search index and its PDF; and the markers the pages use."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from browser import require_chromium
from conftest import ROOT, run_script, strict_build
from mkdocs.exceptions import PluginError
from printed import sheet_texts

from chapter.site import course_edition, events

# The widgets that compute a homework count for numbers a student types.
COUNTING_WIDGETS = ("data-mask-explorer", "data-practice", "data-window-converter")


class _Text(HTMLParser):
    """A page's text; the text of each collapsible block by its summary and class; and
    the text of each h2 section by its id."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.blocks: list[tuple[str, str, str]] = []  # (class, summary, body)
        self.sections: dict[str, list[str]] = {}
        self._open: list[list] = []  # [tag, class, summary, body] of each open details
        self._tags: list[str] = []
        self._section = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "h2":
            self._section = attrs.get("id", "")
        elif tag == "footer" or attrs.get("class") == "footnote":  # not the last h2's
            self._section = ""
        if tag == "details":
            self._open.append([attrs.get("class", ""), [], []])
        if tag not in self.VOID:
            self._tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._tags:
            while self._tags.pop() != tag:
                pass
        if tag == "details" and self._open:
            kind, summary, body = self._open.pop()
            self.blocks.append((kind, _flat("".join(summary)), _flat("".join(body))))

    def handle_data(self, data: str) -> None:
        if {"script", "style"} & set(self._tags):
            return
        self.text.append(data)
        self.sections.setdefault(self._section, []).append(data)
        for _, summary, body in self._open:
            (summary if "summary" in self._tags else body).append(data)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _parse(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def _pages(site: Path) -> dict[str, _Text]:
    return {
        p.relative_to(site).as_posix(): _parse(p.read_text(encoding="utf-8"))
        for p in sorted(site.rglob("*.html"))
    }


def _sentences(text: str) -> list[str]:
    """The sentences of text long enough to be an answer's own words."""
    return [s for s in re.split(r"(?<=[.:;?!])\s+", _flat(text)) if len(s.split()) >= 6]


@pytest.fixture(scope="module")
def course_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return strict_build(tmp_path_factory.mktemp("course-site"), config="mkdocs-course.yml")


@pytest.fixture(scope="module")
def course_text(course_site: Path) -> str:
    """Everything a reader of the course edition can read: pages and search index."""
    pages = " ".join(_flat("".join(page.text)) for page in _pages(course_site).values())
    index = json.loads((course_site / "search/search_index.json").read_text(encoding="utf-8"))
    entries = " ".join(
        _flat("".join(_parse(d["title"] + " " + d["text"]).text)) for d in index["docs"]
    )
    return pages + " " + entries


def _public_answers(site: Path) -> dict[str, list[str]]:
    """The answers of the public edition, page by page: the Solution blocks, the answers
    to Check yourself and the Key takeaways."""
    answers = {}
    for name, page in _pages(site).items():
        texts = [body for kind, summary, body in page.blocks if summary == "Solution"]
        texts += [body for kind, _, body in page.blocks if "question" in kind.split()]
        texts.append(" ".join(page.sections.get("key-takeaways", [])))
        found = [s for text in texts for s in _sentences(text)]
        if found:
            answers[name] = found
    return answers


@pytest.mark.slow
def test_course_edition_shows_no_answer_of_the_public_one(
    built_site: Path, course_text: str
) -> None:
    answers = _public_answers(built_site)
    # The answers sit on the two problem pages; the parser must have found them there.
    assert {"efficient-attention/index.html", "rnns-for-images/index.html"} <= set(answers)
    assert sum(map(len, answers.values())) > 100
    shown = [(page, s) for page, found in answers.items() for s in found if s in course_text]
    assert not shown, shown[:5]


@pytest.mark.slow
def test_course_edition_states_no_worked_example_answer(course_text: str) -> None:
    # The worked examples' answers, as the Python model computes them.
    from chapter.model import attention, rnn2d

    values = {
        attention.causal_count(12),
        attention.strided_count(12, 3),
        attention.windowed_count(12, 4),
        rnn2d.parameter_count(3, 16),
        rnn2d.multiply_count(32, 3, 16),
        rnn2d.operation_count(32, 3, 16),
    }
    for value in values:
        for shown in {str(value), f"{value:,}"}:
            assert not re.search(rf"(?<![\d,.]){re.escape(shown)}(?![\d,])", course_text), shown


@pytest.mark.slow
def test_course_edition_has_no_worked_notebook_and_no_rubric(
    built_site: Path, course_site: Path
) -> None:
    files = {p.relative_to(course_site).as_posix() for p in course_site.rglob("*") if p.is_file()}
    assert "lab/attention-lab-student.ipynb" in files
    assert not [f for f in files if f.startswith(("lab/attention-lab/", "instructors/"))]
    assert [f for f in files if f.endswith(".ipynb")] == ["lab/attention-lab-student.ipynb"]
    sitemap = (course_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "attention-lab/" not in sitemap and "instructors/" not in sitemap
    # The figures only answers showed are gone; the public edition has them.
    for figure in ("attention-causal.svg", "attention-patterns.svg", "rnn2d-receptive-field.svg"):
        assert (built_site / "figures" / figure).is_file()
        assert f"figures/{figure}" not in files


@pytest.mark.slow
def test_course_edition_has_no_widget_that_computes_a_homework_count(course_site: Path) -> None:
    from chapter.model import rnn2d
    from chapter.model.expressions import expression_tree

    html = "".join(p.read_text(encoding="utf-8") for p in course_site.rglob("*.html"))
    assert not [w for w in COUNTING_WIDGETS if w in html]
    assert not (course_site / "assets/patterns.json").exists()
    assert not (course_site / "assets/practice.json").exists()
    # The widget it keeps, the 2D RNN explorer, has no count of Problem 2 in its data.
    assert "data-rnn2d-explorer" in html
    data = (course_site / "assets/rnn2d.json").read_text(encoding="utf-8")
    for count in (rnn2d.PARAMETERS, rnn2d.MULTIPLIES, rnn2d.ADDS, rnn2d.OPERATIONS):
        tree = json.dumps(expression_tree(count), separators=(",", ":"), sort_keys=True)
        assert tree not in data, count


@pytest.mark.slow
@pytest.mark.browser
def test_course_pdf_has_no_answer_and_no_left_out_page(course_site: Path, tmp_path: Path) -> None:
    """The course edition's PDF, printed on US Letter: every sheet is Letter (A4, the
    default, is checked on the chapter's PDF in test_make_pdf.py), and no answer or
    left-out page is in it."""
    require_chromium()
    from pypdf import PdfReader

    out = tmp_path / "course.pdf"
    result = run_script(
        "make_pdf.py",
        *("--config", str(ROOT / "mkdocs-course.yml"), "--site", str(course_site)),
        *("--out", str(out), "--paper", "letter"),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
    reader = PdfReader(out)
    for sheet in reader.pages:
        # Chromium rounds a sheet to whole pixels.
        size = (float(sheet.mediabox.width), float(sheet.mediabox.height))
        assert size == pytest.approx((612, 792), abs=1.5)
    outline = [item.title for item in _flatten(reader.outline)]
    assert "1 Efficient self-attention" in outline
    assert not {"The lab, worked", "For instructors"} & set(outline)
    text = " ".join(sheet_texts(out))
    assert "Problem 2(c)" in text
    for left_out in ("Solution", "Key takeaways", "worked notebook", "Rubric"):
        assert left_out not in text


def _flatten(outline: list) -> list:
    return [
        leaf for item in outline for leaf in (_flatten(item) if isinstance(item, list) else [item])
    ]


# Publishing either edition.


def _build_steps() -> dict[str, dict]:
    workflow = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    assert set(workflow[True]["workflow_dispatch"]["inputs"]["edition"]["options"]) == {
        "variable",
        "public",
        "course",
    }
    return {step.get("name", ""): step for step in workflow["jobs"]["build"]["steps"]}


@pytest.mark.parametrize(
    ("edition", "config"),
    [("public", "mkdocs.yml"), ("course", "mkdocs-course.yml"), ("Course", None), ("", None)],
)
def test_publish_workflow_builds_and_prints_the_chosen_edition(
    edition: str, config: str | None, tmp_path: Path
) -> None:
    steps = _build_steps()
    choose = steps["Choose the edition's config"]
    assert "vars.SITE_EDITION" in choose["env"]["EDITION"]
    output = tmp_path / "output"
    result = subprocess.run(
        ["bash", "-e", "-c", choose["run"]],
        env={"EDITION": edition, "GITHUB_OUTPUT": str(output), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    if config is None:
        assert result.returncode != 0 and "edition must be" in result.stdout
    else:
        assert result.returncode == 0 and output.read_text() == f"config={config}\n"
    for name, command in [
        ("Build the site (warnings fail the build)", 'mkdocs build --strict -f "$CONFIG"'),
        ("Print the chapter to site/chapter.pdf", '--config "$CONFIG"'),
    ]:
        assert command in steps[name]["run"]
        assert steps[name]["env"]["CONFIG"] == "${{ steps.edition.outputs.config }}"


# The marker grammar, without a build.

PAGE = """# Page

Intro, the sum<!-- chapter:answer --> is 78<!-- chapter:end-answer -->.
<!-- chapter:course-note
A line only the course edition shows.
-->

??? success "Solution"

    The answer.

## Check yourself

??? question "Why?"

    Because.

## Key takeaways

- Taken away.

## Corrections

- Quoted.

## Going further

```bash
# not a heading
```
<!-- chapter:answer -->
![grid](figures/answer.svg)
<!-- chapter:end-answer -->
"""
UNMARKED = """# Page

Intro, the sum is 78.

??? success "Solution"

    The answer.

## Check yourself

??? question "Why?"

    Because.

## Key takeaways

- Taken away.

## Corrections

- Quoted.

## Going further

```bash
# not a heading
```
![grid](figures/answer.svg)
"""
EDITION = course_edition.Edition(
    sections=["Key takeaways"],
    held_back={"Corrections": "Held back."},
    blocks=["Solution"],
    answers_under=["Check yourself"],
)


def test_public_edition_is_the_page_without_its_markers() -> None:
    assert course_edition.public(PAGE) == UNMARKED


def test_course_edition_leaves_the_answers_out() -> None:
    used: set[str] = set()
    course = course_edition.leave_out(PAGE, EDITION, used)
    assert used == {"Key takeaways", "Corrections", "Solution", "Check yourself"}
    assert "## Corrections\n\nHeld back.\n" in course
    for gone in ("78", "The answer", "Because", "Taken away", "Quoted", "answer.svg", "<!--"):
        assert gone not in course
    for kept in ("Intro, the sum.", "A line only the course edition shows.", "- Why?"):
        assert kept in course
    assert "# not a heading" in course and "## Going further" in course


@pytest.mark.parametrize(
    "page",
    [
        "a <!-- chapter:answer --> b",
        "a <!-- chapter:end-answer --> b",
        "<!-- chapter:answer -->a<!-- chapter:answer -->b",
    ],
)
def test_an_unbalanced_marker_stops_the_build(page: str) -> None:
    with pytest.raises(PluginError, match="page.md"):
        course_edition._check_markers(page, "page.md")


def test_the_course_config_names_only_what_its_hook_reads() -> None:
    config = yaml.safe_load((ROOT / "mkdocs-course.yml").read_text(encoding="utf-8"))
    assert config["INHERIT"] == "mkdocs.yml"
    assert set(config["extra"]["edition"]) <= course_edition.KEYS
    public = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert public["hooks"] == ["scripts/mkdocs_hooks.py"]
    assert course_edition in events.STAGES


def test_make_pdf_refuses_a_config_that_is_not_a_file(tmp_path: Path) -> None:
    result = run_script(
        "make_pdf.py", "--config", str(tmp_path / "none.yml"), "--out", str(tmp_path / "a.pdf")
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "--config" in result.stderr and not (tmp_path / "a.pdf").exists()


@pytest.mark.parametrize(
    "edition",
    [["Solution"], {"block": ["Solution"]}, {"blocks": "Solution"}, {"held_back": ["Corrections"]}],
)
def test_a_malformed_edition_stops_the_build(edition: object) -> None:
    config = type("Config", (), {"extra": {"edition": edition}})()
    with pytest.raises(PluginError, match="extra.edition"):
        course_edition.Edition.from_config(config)


def test_a_name_that_matches_nothing_stops_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    # A renamed heading must not let its section back into the course edition unseen.
    edition = course_edition.Edition(sections=["Key takeaways", "Key points"])
    monkeypatch.setattr(course_edition, "_edition", edition)
    monkeypatch.setattr(course_edition, "_used", set())
    course_edition.leave_out(PAGE, edition, course_edition._used)
    with pytest.raises(PluginError, match="Key points") as error:
        course_edition.on_env(None, None, None)
    assert "Key takeaways" not in str(error.value)
