"""Figures label their axes in the page's notation: tau for the wavefront's step,
the offsets' sum for the path length, and the step ratio for the 2D RNN benchmark."""

from __future__ import annotations

from chapter.figures import bench as bench_figures
from chapter.figures import rnn2d as rnn2d_figures
from chapter.figures.style import plt


def texts(fig) -> list[str]:
    """Every axis label, title and legend entry of a figure."""
    found = []
    for ax in fig.axes:
        found += [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()]
        if ax.get_legend():
            found += [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)
    return [t for t in found if t]


def test_wavefront_counts_steps_with_tau() -> None:
    labels = texts(rnn2d_figures.wavefront())
    assert "step τ = i + j − 1" in labels
    # t is Problem 1's look-back.
    assert not any("step t" in label for label in labels), labels


def test_influence_path_length_is_the_offsets_sum() -> None:
    labels = texts(rnn2d_figures.influence())
    assert "path length Δi + Δj" in labels
    # d, p and q mean other things in the chapter.
    assert not any("d =" in label or "p + q" in label for label in labels), labels


def test_rnn_benchmark_is_against_the_step_ratio() -> None:
    labels = texts(bench_figures.rnn_figure())
    assert "step ratio n² / (2n − 1)" in labels
    # The wavefront does the same work as the loop: no "work saved", no count ratio.
    assert not any("work" in label or "count" in label for label in labels), labels


def test_attention_benchmark_keeps_the_count_ratio() -> None:
    labels = texts(bench_figures.attention_figure())
    assert "count ratio" in labels and "speedup = count ratio" in labels
    assert not any("work saved" in label for label in labels), labels
