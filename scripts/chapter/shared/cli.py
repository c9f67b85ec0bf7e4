"""Command-line plumbing shared by the chapter's scripts: strict arguments and errors a
user can read."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2, and an
    option is only ever taken at its full name (`--he` is not `--help`)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(allow_abbrev=False, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def fail(parser: argparse.ArgumentParser, argument: str, message: str) -> NoReturn:
    """Reject one argument: '<prog>: error: --n: must be ...' and exit status 2."""
    parser.exit(2, f"{parser.prog}: error: {argument}: {one_line(message)}\n")


def one_line(message: str) -> str:
    """message with control characters escaped: a file name may hold a newline."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


def shown(text: str, limit: int = 20) -> str:
    """text quoted for an error message, cut short so that the message stays one line."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type for whole numbers from low to high, in ASCII digits only:
    int() would also take '１２', '1_2' and ' 12 ', and thousands of digits."""
    digits = re.compile(f"[0-9]{{1,{len(str(high))}}}")

    def parse(text: str) -> int:
        allowed = f"must be a whole number from {low} to {high}"
        if not digits.fullmatch(text):
            raise argparse.ArgumentTypeError(f"{allowed}, written in digits 0-9, got {shown(text)}")
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{allowed}, got {value}")
        return value

    return parse


def path_argument(text: str) -> Path:
    """An argparse type for a file or folder name: an empty one would mean the current folder."""
    if not text:
        raise argparse.ArgumentTypeError("must not be empty")
    return Path(text)
