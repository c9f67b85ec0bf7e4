"""Command-line plumbing shared by the chapter's scripts: errors a user can read."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

FIGURES_DIR = Path(__file__).resolve().parent.parent / "docs" / "figures"


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def fail(parser: argparse.ArgumentParser, argument: str, message: str) -> NoReturn:
    """Reject one argument: '<prog>: error: --n: must be ...' and exit status 2."""
    parser.exit(2, f"{parser.prog}: error: {argument}: {message}\n")


def positive_int(text: str) -> int:
    """An argparse type for whole numbers >= 1."""
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    """An argparse type for whole numbers >= 0."""
    return _int_at_least(text, 0)


def _int_at_least(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
    return value


def figures_command(
    render_all: Callable[[Path], list[Path]], prog: str, description: str | None,
    argv: list[str] | None = None,
) -> int:
    """The command of a figure script: draw into --out (docs/figures) and list the files."""
    parser = ArgumentParser(prog=prog, description=description)
    parser.add_argument("--out", type=Path, default=FIGURES_DIR, help="folder for the SVG files")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        fail(parser, "--out", f"{args.out} is not a folder")
    for path in render_all(args.out):
        print(path)
    return 0

