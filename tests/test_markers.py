"""The marker grammar `<!-- chapter:KIND args -->`: its dispatcher, each kind's function,
and the errors that name the page and the marker."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT
from mkdocs.exceptions import PluginError

from chapter.model.attention import markdown_table
from chapter.site import benchmark_numbers, citation, course_edition, glossary, markers

DOCS = ROOT / "docs"
SITE = markers.Site(
    root=ROOT,
    docs_dir=DOCS,
    release="v1.1",
    glossary_html=glossary.definition_list(glossary.read_glossary(DOCS / glossary.GLOSSARY)),
)


def expand(text: str, page: str = "page.md", site: markers.Site = SITE) -> str:
    return markers.expand(text, page, site)


def as_built(path: Path) -> str:
    """A page of the public edition as the build expands it: the edition's markers go first."""
    text = course_edition.public(path.read_text(encoding="utf-8"))
    return expand(text, str(path.relative_to(DOCS)))


def test_every_marker_in_the_docs_is_filled_in() -> None:
    """Every page and snippet, as the build sees them; none keeps a marker or an old one."""
    for path in sorted(DOCS.rglob("*.md")):
        text = as_built(path)
        assert not markers.MARKER.search(text), path
        for old in ("{{ release", "<!-- patterns-table", "<!-- glossary -->"):
            assert old not in text, (path, old)


def test_a_marker_becomes_its_kinds_text_and_nothing_else_changes() -> None:
    page = "Before.\n\n<!-- chapter:patterns-table -->\n\nAfter.\n"
    assert expand(page) == "Before.\n\n" + markdown_table("glance") + "\n\nAfter.\n"
    assert expand("<!--chapter:patterns-table glance-->") == markdown_table("glance")
    assert expand("[x]: https://e.org/blob/<!-- chapter:release -->/a.ipynb") == (
        "[x]: https://e.org/blob/v1.1/a.ipynb"
    )
    assert expand("<!-- chapter:glossary -->") == "\n" + SITE.glossary_html + "\n"
    untouched = "No marker.\n<!-- another comment -->\n{{ release }}\n<!-- chapters: x -->\n"
    assert expand(untouched) == untouched


@pytest.mark.parametrize(
    ("marker", "says"),
    [
        ("<!-- chapter:patterns-tabel -->", "unknown kind 'patterns-tabel'"),
        ("<!-- chapter: release -->", "unknown kind ''"),
        ("<!-- chapter:patterns-table sparse -->", "unknown patterns table 'sparse'"),
        ("<!-- chapter:release v1.1 -->", "release takes (site: 'Site')"),
        ("<!-- chapter:bench -->", "missing a required argument: 'name'"),
        ("<!-- chapter:bench d colour=red -->", "unexpected keyword argument 'colour'"),
        ('<!-- chapter:bibtex note="unclosed -->', "No closing quotation"),
    ],
)
def test_a_marker_the_build_cannot_fill_names_the_page_and_the_marker(
    marker: str, says: str
) -> None:
    with pytest.raises(markers.MarkerError) as error:
        expand(f"Text {marker} text.", "efficient-attention.md")
    assert str(error.value).startswith(f"efficient-attention.md: {marker}: ")
    assert says in str(error.value)


@pytest.mark.parametrize("release", [None, "", "main", "1.1", "v1.1; rm"])
def test_a_missing_or_odd_release_stops_the_build(release: object) -> None:
    site = markers.Site(ROOT, DOCS, release, "")
    with pytest.raises(markers.MarkerError, match=r"lab/index\.md: .*extra\.release"):
        expand("see <!-- chapter:release -->", "lab/index.md", site)


def test_a_glossary_marker_without_the_glossary_hook_stops_the_build() -> None:
    with pytest.raises(markers.MarkerError, match="glossary stage"):
        expand("<!-- chapter:glossary -->", "notation.md", markers.Site(ROOT, DOCS, "v1", ""))


def test_the_mkdocs_adapter_fills_in_and_fails_with_a_plugin_error() -> None:
    config = SimpleNamespace(
        config_file_path=str(ROOT / "mkdocs.yml"),
        docs_dir=str(DOCS),
        extra={"release": "v1.1"},
    )
    page = SimpleNamespace(file=SimpleNamespace(src_uri="lab/index.md"))
    assert markers.on_page_markdown("<!-- chapter:release -->", page, config, None) == "v1.1"
    with pytest.raises(PluginError, match=r"^lab/index\.md: <!-- chapter:nope -->: unknown kind"):
        markers.on_page_markdown("<!-- chapter:nope -->", page, config, None)


# The benchmark's numbers.


@pytest.fixture
def run() -> dict:
    return benchmark_numbers.read_benchmark(DOCS)


def record(run: dict, case: str, n: int) -> dict:
    name = benchmark_numbers.CASES[case][0]
    return next(r for r in run["records"] if r["case"] == name and r["n"] == n)


def test_a_record_quantity_is_the_record_rounded_as_asked(run: dict) -> None:
    windowed = record(run, "windowed", 4096)
    quantity = benchmark_numbers.quantity
    assert quantity(run, "speedup", "windowed", "4096") == f"{windowed['speedup']:.0f}"
    assert quantity(run, "speedup", "windowed", "4096", "2") == f"{windowed['speedup']:.2f}"
    assert quantity(run, "percent-of-count-ratio", "windowed", "4096") == (
        f"{100 * windowed['efficiency']:.0f}"
    )
    assert quantity(run, "kernel-ms", "windowed", "4096", "1") == (
        f"{1e3 * windowed['kernel_s']:.1f}"
    )
    assert quantity(run, "largest-n", "rnn2d") == str(max(run["settings"]["rnn_n"]))
    assert quantity(run, "speedup", "windowed", "largest") == quantity(
        run, "speedup", "windowed", "4096"
    )
    assert (
        quantity(run, "speedup", "rnn2d", "smallest", "1")
        == f"{record(run, 'rnn2d', 16)['speedup']:.1f}"
    )
    assert quantity(run, "score-matrix-mib", "windowed", "1024") == "4"


def test_a_run_quantity_comes_from_the_settings_and_the_machine(run: dict) -> None:
    quantity = benchmark_numbers.quantity
    run["settings"].update(w=32, t=63)
    run["machine"].update(numpy="3.1.4", blas="scipy-openblas 1.2.3.4")
    assert quantity(run, "w") == "32"
    assert quantity(run, "windowed-tile-scores") == "24"
    assert quantity(run, "windowed-needed-scores", digits="1") == "16.5"
    assert quantity(run, "sliding-tile-scores") == str(benchmark_numbers.QUERY_BLOCK + 63)
    assert quantity(run, "numpy", parts="2") == "3.1"
    assert quantity(run, "openblas", parts="3") == "1.2.3"


@pytest.mark.parametrize(
    ("change", "args", "says"),
    [
        (lambda r: None, ("speedup", "windowed", "8192"), "no 'windowed attention' at n = 8192"),
        (
            lambda r: r.update(records=[x for x in r["records"] if "JAX" not in x["case"]]),
            ("speedup", "windowed-jax", "largest"),
            "recorded no 'windowed attention, JAX mask' at n = 4096",
        ),
        (
            lambda r: r["settings"]["attention_n"].append(8192),
            ("count-ratio", "sliding", "largest"),
            "recorded no 'sliding-window attention' at n = 8192",
        ),
        (lambda r: r["machine"].pop("jax"), ("jax",), "did not record 'jax'"),
        (lambda r: None, ("speedup", "windowed"), "give n="),
        (lambda r: None, ("speedup", "dense", "4096"), "needs a case"),
        (lambda r: None, ("speed-up", "windowed", "4096"), "unknown quantity 'speed-up'"),
        (lambda r: None, ("speedup", "windowed", "4k"), "n='4k' is not a whole number"),
        (lambda r: None, ("largest-n", "windowed", "4096"), "leave out n="),
        (lambda r: None, ("cores", "windowed"), "leave out 'windowed'"),
        (lambda r: None, ("cpu", None, None, "1"), "not a number: leave out digits="),
        (lambda r: None, ("cores", None, None, None, "2"), "not a version: leave out parts="),
    ],
)
def test_a_quantity_the_run_did_not_record_is_an_error(run: dict, change, args, says) -> None:
    change(run)
    with pytest.raises(ValueError, match=says):
        benchmark_numbers.quantity(run, *args)


def test_a_missing_record_stops_the_page_that_asks_for_it(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    data = benchmark_numbers.read_benchmark(DOCS)
    data["records"] = [r for r in data["records"] if r["n"] != 4096]
    assert max(data["settings"]["attention_n"]) == 4096
    (tmp_path / benchmark_numbers.BENCHMARK).write_text(json.dumps(data))
    text = (DOCS / "snippets/attention-benchmark.md").read_text(encoding="utf-8")
    site = markers.Site(ROOT, tmp_path, "v1", "")
    with pytest.raises(markers.MarkerError, match=r"^efficient-attention\.md: <!-- chapter:bench"):
        expand(text, "efficient-attention.md", site)


# The BibTeX entry.

CFF = {
    "title": "Efficient Attention and 2D RNNs: an open textbook chapter",
    "authors": [{"name": "The authors"}, {"family-names": "Lovelace", "given-names": "Ada"}],
    "license": ["CC-BY-4.0", "MIT"],
    "repository-code": "https://github.com/o/efficient-attention-2d-rnns",
    "url": "https://o.github.io/efficient-attention-2d-rnns/",
    "date-released": "2027-01-31",
}


def test_the_bibtex_entry_is_the_citation_file() -> None:
    assert citation.bibtex(CFF, "CC BY 4.0 and MIT").split("\n") == [
        "```bibtex",
        "@misc{efficient_attention_2d_rnns,",
        "  title        = {Efficient Attention and {2D} {RNNs}: an open textbook chapter},",
        "  author       = {{The authors} and Lovelace, Ada},",
        "  year         = {2027},",
        r"  howpublished = {\url{https://o.github.io/efficient-attention-2d-rnns/}},",
        "  note         = {CC BY 4.0 and MIT}",
        "}",
        "```",
    ]


def test_the_home_page_cites_the_citation_file() -> None:
    cff = citation.read_citation(ROOT)
    home = as_built(DOCS / "index.md")
    assert citation.bibtex(cff, "Text and figures CC BY 4.0, code MIT") in home


def test_a_note_that_leaves_out_a_licence_is_an_error() -> None:
    with pytest.raises(ValueError, match="does not name the licence MIT"):
        citation.bibtex(CFF, "Text and figures CC BY 4.0")


@pytest.mark.slow
def test_no_marker_is_left_in_the_built_site(built_site: Path) -> None:
    """Markers in snippets too: the hook runs after the snippets are inlined."""
    left = [
        f"{page.relative_to(built_site)}: {m[0]}"
        for page in sorted(built_site.rglob("*.html"))
        for m in markers.MARKER.finditer(page.read_text(encoding="utf-8"))
    ]
    assert not left, left
