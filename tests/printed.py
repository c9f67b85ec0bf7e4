"""A printed PDF's text, read once with pdfium: each sheet's words, and each character's
place and size as drawn (the readable-size and link checks need both)."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

# pdfium's mark for a hyphen that ends a line: the sheet shows a hyphen there.
LINE_END_HYPHEN = "\ufffe"


@dataclass
class Run:
    """A character on a PDF sheet (spaces too, which links' text needs): where its
    baseline starts, the character and its size in points."""

    x: float
    y: float
    text: str
    size: float


@dataclass
class Printed:
    """A printed PDF, its text read once: each sheet's flat text and its characters;
    reader is pypdf's, for the outline and the links."""

    path: Path
    reader: object
    texts: list[str]
    runs: list[list[Run]]
    # What the command that printed it wrote on stderr.
    log: str = ""


def flat(text: str) -> str:
    return " ".join(text.replace(LINE_END_HYPHEN, "-").split())


def sheet_texts(path: Path) -> list[str]:
    """Each sheet's text, flattened to single spaces."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        return [flat(sheet.get_textpage().get_text_range()) for sheet in document]
    finally:
        document.close()


def read_printed(path: Path) -> Printed:
    """Every sheet's text and characters, with each character's size as drawn: the font
    size scaled by the character's matrix (Chromium sets text in CSS pixels and scales
    the sheet to points: 14 px at 0.75 is 10.5 pt)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw
    from pypdf import PdfReader

    document = pdfium.PdfDocument(path)
    texts, runs = [], []
    matrix, x, y = raw.FS_MATRIX(), ctypes.c_double(), ctypes.c_double()
    try:
        for sheet in document:
            text = sheet.get_textpage()
            texts.append(flat(text.get_text_range()))
            characters = []
            for index in range(text.count_chars()):
                character = chr(raw.FPDFText_GetUnicode(text.raw, index))
                if character in "\r\n":  # pdfium's own line breaks, drawn nowhere
                    continue
                character = flat(character) or " "
                raw.FPDFText_GetCharOrigin(text.raw, index, x, y)
                raw.FPDFText_GetMatrix(text.raw, index, matrix)
                scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
                size = raw.FPDFText_GetFontSize(text.raw, index) * scale
                characters.append(Run(x.value, y.value, character, size))
            runs.append(characters)
    finally:
        document.close()
    return Printed(path, PdfReader(path), texts, runs)
