"""Class rosters as learning platforms export them, and CSV cells a spreadsheet will not run.

Canvas, Gradescope, Moodle and Blackboard each name their columns their own way,
save in UTF-8 (with or without a byte-order mark), UTF-16 or the Windows code
page, and separate values with commas, semicolons or tabs. read_roster takes each
as it comes and keeps only what a sheet may show: the id and the name.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# The id column when none is named: the first of these in the header, ignoring case.
# Gradescope: SID, Email; Canvas: ID, SIS User ID; Moodle: Email address;
# Blackboard: Username.
ID_COLUMNS = ("student_id", "SID", "Email", "ID", "SIS User ID", "Email address", "Username")
# The name columns when none are named: one full-name column, else a given and a family name.
FULL_NAME_COLUMNS = ("name", "Student", "Full name", "Student name")
GIVEN_NAME_COLUMNS = ("First Name", "Given name", "First")
FAMILY_NAME_COLUMNS = ("Last Name", "Surname", "Family name", "Last")
# Gradescope lists teaching staff beside students; only students get a sheet.
ROLE_COLUMN = "Role"
# Canvas's gradebook export puts the points of each assignment in a row of its own.
NOT_STUDENTS = ("Points Possible",)

MAX_ROWS = 10_000
MAX_ID_LENGTH = 200
MAX_NAME_LENGTH = 200
# Cells a spreadsheet would run as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class RosterError(ValueError):
    """A roster that cannot be used; the message names the line."""


@dataclass(frozen=True)
class Student:
    """One student: the id as the roster writes it, the name to print, the file stem."""

    student_id: str
    name: str

    @property
    def file(self) -> str:
        return file_stem(self.student_id)


@dataclass(frozen=True)
class Roster:
    students: list[Student]
    id_column: str
    name_columns: tuple[str, ...]
    notices: list[str]


def file_stem(student_id: str) -> str:
    """A file name for any id: an ASCII slug of it, then 10 hex digits of its sha256,
    so that two ids never share a file, on any file system, whatever their case."""
    folded = unicodedata.normalize("NFKD", student_id).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-")[:40].rstrip("-").lower()
    digest = hashlib.sha256(student_id.encode("utf-8")).hexdigest()[:10]
    return f"{slug or 'student'}-{digest}"


def decode(data: bytes) -> tuple[str, str | None]:
    """The text of a roster file and a notice when it was not UTF-8.

    UTF-8, with or without the byte-order mark a spreadsheet's "CSV UTF-8" writes;
    UTF-16 with its mark (Excel's "Unicode text", Blackboard's download); anything
    else is read as Windows-1252, the code page of Excel's plain "CSV" on Windows."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as error:
            raise RosterError(f"not UTF-16 past byte {error.start + 1}") from None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        where = f"line {line}, byte {error.start + 1}"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RosterError(
            f"line {line}: neither UTF-8 nor Windows-1252 (byte {error.start + 1}): "
            "save the roster as CSV UTF-8"
        ) from None
    return text, f"not UTF-8 ({where}): read as Windows-1252"


def _delimiter(first_line: str) -> str:
    """Comma, semicolon (Excel in many European locales) or tab, whichever the header uses."""
    return max((",", ";", "\t"), key=first_line.count)


def _controls(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def read_roster(
    data: bytes, id_column: str | None = None, name_columns: Sequence[str] | None = None
) -> Roster:
    """The students of a roster file's bytes; RosterError naming the line otherwise."""
    text, notice = decode(data)
    notices = [notice] if notice else []
    if "\x00" in text:
        raise RosterError(f"line {text[: text.index(chr(0))].count(chr(10)) + 1}: a NUL byte")
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = list(_numbered(reader))
    if not rows:
        raise RosterError("line 1: no header row: the file is empty")
    (header_line, header), body = rows[0], rows[1:]
    columns = _header(header, header_line)
    names_at = _name_columns(columns, name_columns, header_line)
    role_at = _find(columns, ROLE_COLUMN)
    kept: list[tuple[int, list[str]]] = []
    staff = 0
    for line, row in body:
        if len(row) != len(columns):
            raise RosterError(f"line {line}: expected {len(columns)} values, got {len(row)}")
        if row[0].strip() in NOT_STUDENTS:
            continue
        if role_at is not None and row[role_at].strip().casefold() != "student":
            staff += 1
            continue
        kept.append((line, row))
    id_at = _id_column(columns, id_column, header_line, kept)
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in kept:
        student_id = row[id_at].strip()
        label = columns[id_at]
        if not student_id:
            raise RosterError(f"line {line}: empty {label}")
        if _controls(student_id) or len(student_id) > MAX_ID_LENGTH:
            raise RosterError(
                f"line {line}: {label} must be at most {MAX_ID_LENGTH} characters with no "
                "control character"
            )
        name = " ".join(row[k].strip() for k in names_at if row[k].strip())
        if _controls(name) or len(name) > MAX_NAME_LENGTH:
            raise RosterError(
                f"line {line}: the name must be at most {MAX_NAME_LENGTH} characters with no "
                "control character"
            )
        # Ids that differ only in case or in Unicode form are one student typed twice.
        folded = unicodedata.normalize("NFC", student_id).casefold()
        if folded in seen:
            raise RosterError(
                f"line {line}: {label} {student_id!r} repeats line "
                f"{seen[folded]} (ids are compared ignoring case)"
            )
        seen[folded] = line
        students.append(Student(student_id, name))
    if not students:
        raise RosterError(f"line {header_line}: a header but no students")
    if staff:
        notices.append(f"{staff} rows whose {columns[role_at]} is not Student were left out")
    stems = {}
    for s in students:
        if s.file in stems:  # 40 bits of sha256: not expected in any real roster
            raise RosterError(f"ids {stems[s.file]!r} and {s.student_id!r} share a file name")
        stems[s.file] = s.student_id
    return Roster(students, columns[id_at], tuple(columns[k] for k in names_at), notices)


def _numbered(reader) -> Iterator[tuple[int, list[str]]]:
    """Each row that holds something, with the line it starts on (a quoted field may span
    lines); RosterError past the header and MAX_ROWS rows, or on text that is not CSV."""
    count = 0
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise RosterError(f"line {line}: not CSV: {error}") from None
        # A blank line, or a row of empty cells as spreadsheets export, holds no student.
        if not any(cell.strip() for cell in row):
            continue
        if count > MAX_ROWS:
            raise RosterError(f"line {line}: more than {MAX_ROWS} students")
        count += 1
        yield line, row


def _header(header: list[str], line: int) -> list[str]:
    columns = [name.strip() for name in header]
    for name in columns:
        if _controls(name):
            raise RosterError(f"line {line}: a column name holds a control character")
    return columns


def _find(columns: list[str], wanted: str) -> int | None:
    """The index of the column named wanted, ignoring case; None when there is none."""
    folded = [c.casefold() for c in columns]
    if folded.count(wanted.casefold()) > 1:
        raise RosterError(f"column {wanted!r} appears twice in the header")
    return folded.index(wanted.casefold()) if wanted.casefold() in folded else None


def _id_column(
    columns: list[str], chosen: str | None, line: int, rows: list[tuple[int, list[str]]]
) -> int:
    listed = ",".join(columns)
    if chosen is not None:
        at = _find(columns, chosen)
        if at is None:
            raise RosterError(f"line {line}: no {chosen!r} column (got {_short(listed)})")
        return at
    present = [at for at in map(lambda name: _find(columns, name), ID_COLUMNS) if at is not None]
    # Gradescope leaves SID empty for students who never gave one: take the first
    # column that every student fills in, else the first present.
    for at in present:
        if all(row[at].strip() for _, row in rows):
            return at
    if present:
        return present[0]
    raise RosterError(
        f"line {line}: no id column ({', '.join(ID_COLUMNS)}): name one with --id-column "
        f"(got {_short(listed)})"
    )


def _name_columns(columns: list[str], chosen: Sequence[str] | None, line: int) -> list[int]:
    if chosen is not None:
        found = []
        for name in chosen:
            at = _find(columns, name)
            if at is None:
                raise RosterError(f"line {line}: no {name!r} column for --name-columns")
            found.append(at)
        return found
    for name in FULL_NAME_COLUMNS:
        at = _find(columns, name)
        if at is not None:
            return [at]
    given = [k for k in map(lambda n: _find(columns, n), GIVEN_NAME_COLUMNS) if k is not None]
    family = [k for k in map(lambda n: _find(columns, n), FAMILY_NAME_COLUMNS) if k is not None]
    return given[:1] + family[:1]


def _short(text: str, limit: int = 80) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def safe_cell(value: str) -> str:
    """value as a CSV cell no spreadsheet runs: a leading quote before =, +, -, @, tab or
    CR (OWASP); a value that starts with a quote gets one more, so read_cell undoes it."""
    return "'" + value if value.startswith((*FORMULA_START, "'")) else value


def read_cell(cell: str) -> str:
    """The value safe_cell wrote."""
    return cell[1:] if cell.startswith("'") else cell
