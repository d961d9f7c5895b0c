"""Look inside a workbook file before anything loads it: refuse what is not safe or not ours.

An `.xlsx` is a zip of XML parts (an Open Packaging Conventions *package*). Intake files come
from email attachments, old copies and other schools, so before openpyxl builds a workbook in
memory this module checks, cheaply and without trusting the file:

* what the file really is (a renamed Word document or text file, an encrypted or `.xls` file in
  an OLE container, a damaged zip) so the message can say so;
* that it cannot exhaust memory: its size on disk, its unpacked size, how tightly each part is
  packed (a "zip bomb"), how many parts, rows and cells it has (`Limits`), all read from the zip
  directory and a streaming parse that never holds a sheet in memory;
* that it holds nothing that runs or reaches out: macros (VBA), DDE formulas (`=cmd|'...'!A0`),
  links to other files, XML entity declarations;
* which cells hold formulas or Excel error values, so the reader can use a formula's saved
  result only when it is a plain value.

Nothing here executes, evaluates or writes anything; the file is read once.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from pipeline.problems import Problem

MB: Final = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What an intake workbook may hold; past any of these it is refused before it is loaded.

    A filled intake form is about 70 KB on disk, 0.5 MB unpacked, 45 parts, 230 rows a sheet
    and 10,000 cells, so each limit leaves a wide margin for a school's own additions.
    """

    #: size of the file on disk
    file_bytes: int = 20 * MB
    #: size of every part of the zip added up, unpacked
    unpacked_bytes: int = 50 * MB
    #: how many times bigger a part may get when unpacked (a form's parts: about 10 times)...
    ratio: int = 100
    #: ...checked for parts that unpack to more than this
    ratio_floor: int = 1 * MB
    #: parts (files) in the zip
    parts: int = 500
    #: rows written in one sheet
    rows_per_sheet: int = 5_000
    #: cells written in the whole workbook (a merge counts every cell it covers)
    cells: int = 250_000


LIMITS: Final = Limits()

MACRO_SUFFIXES: Final = (".xlsm", ".xltm", ".xlam")
OLD_SUFFIXES: Final = (".xls", ".xlsb")

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

_RESAVE_HINT = (
    "open it in Excel and save it as an Excel Workbook (.xlsx), or move it out of the intake folder"
)
_FRESH_HINT = (
    "copy the pupil's details into a fresh copy of the form (`ihp form` writes one), "
    "or move this file out of the intake folder"
)
_MACRO_HINT = (
    "open it in Excel and save it as an Excel Workbook (.xlsx), which removes any macros, "
    "or copy the details into a fresh copy of the form"
)


class Refused(Exception):
    """The workbook cannot be read safely; `problem` says why, for the SENCo."""

    def __init__(self, problem: Problem, reason: str) -> None:
        super().__init__(problem.message)
        self.problem = problem
        #: a short code for logs (`macros`, `too-big`...): the message may quote the file
        self.reason = reason


@dataclass(frozen=True)
class CellNote:
    """A cell whose value is not simply what was typed: a formula, or an Excel error."""

    #: the formula without its `=`, or None when the cell holds no formula
    formula: str | None
    #: a saved (cached) result is stored with the formula
    cached: bool
    #: the Excel error shown in the cell (`#REF!`, `#N/A`...), if any
    error: str | None


@dataclass
class Package:
    """A workbook file that passed every check: its bytes (read once) and its notable cells."""

    path: Path
    content: bytes
    #: (sheet name, cell) -> what the cell holds besides a typed value
    notes: dict[tuple[str, str], CellNote] = field(default_factory=dict)


def _refuse(
    path: Path, message: str, hint: str, *, sheet: str = "", cell: str = "", reason: str = ""
) -> Refused:
    return Refused(Problem(path.name, sheet, cell, "", message, hint), reason or "not-a-workbook")


def _megabytes(size: int) -> str:
    return f"{size / MB:,.1f} MB"


def _limit(size: int) -> str:
    return f"{size // MB:,} MB"


def inspect_package(path: Path, limits: Limits = LIMITS) -> Package:
    """Read `path` once and check it is a workbook safe to load; `Refused` says why not.

    `OSError` (the file vanished or cannot be read) is left to the caller.
    """
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise _refuse(
            path,
            f"this file is {_megabytes(size)}, more than the {_limit(limits.file_bytes)} "
            "an intake workbook may be (a filled form is under 1 MB)",
            "copy the details into a fresh copy of the form; if pictures were pasted into the "
            "workbook, remove them",
            reason="file-too-big",
        )
    if path.suffix.lower() in MACRO_SUFFIXES:
        raise _refuse(
            path,
            f"this is a macro-enabled workbook ({path.suffix.lower()}); ihp never opens "
            "workbooks that can hold macros",
            _MACRO_HINT,
            reason="macros",
        )
    content = path.read_bytes()
    _sniff(path, content)
    try:
        package = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _refuse(
            path,
            "this file is damaged or incomplete (it may not have finished copying or downloading)",
            "copy the workbook again from where it was saved, or open it in Excel and save "
            "it again as an Excel Workbook (.xlsx)",
            reason="damaged",
        ) from None
    with package:
        _check_directory(path, package, limits)
        return Package(path, content, _scan_parts(path, package, limits))


# --- what kind of file is it? -----------------------------------------------------------------


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _sniff(path: Path, content: bytes) -> None:
    """Refuse what is plainly not an .xlsx, naming what it is instead."""
    if not content:
        raise _refuse(path, "this file is empty (0 bytes)", _RESAVE_HINT)
    if content.startswith(_CFB_MAGIC):
        # An OLE compound file: what Office wraps a password-protected workbook in, and the
        # format of .xls. The names of its streams are stored in UTF-16.
        if _utf16("EncryptedPackage") in content or _utf16("EncryptionInfo") in content:
            raise _refuse(
                path,
                "this workbook is protected with a password to open, so it cannot be read",
                "open it in Excel, remove the password (File > Info > Protect Workbook > "
                "Encrypt with Password, then clear the password) and save it; protecting the "
                "sheets without a password to open is fine",
                reason="encrypted",
            )
        if _utf16("Workbook") in content or _utf16("Book") in content:
            raise _refuse(
                path,
                "this is an old-format Excel file (.xls, Excel 97-2003), which ihp does not read",
                "open it in Excel and save it as an Excel Workbook (.xlsx), or better, copy the "
                "details into a fresh copy of the form",
                reason="old-format",
            )
        raise _refuse(
            path,
            "this is an old-format Office file, not an Excel workbook (.xlsx)",
            _RESAVE_HINT,
            reason="old-format",
        )
    if content.startswith(_ZIP_MAGIC) or zipfile.is_zipfile(io.BytesIO(content)):
        return
    head = content[:4096]
    if head.startswith(b"%PDF"):
        raise _refuse(path, "this file is a PDF, not an Excel workbook", _RESAVE_HINT)
    if _looks_like_text(head):
        raise _refuse(
            path,
            "this file is not an Excel workbook: it holds plain text (it may have been "
            "renamed to .xlsx)",
            _RESAVE_HINT,
        )
    raise _refuse(path, "this file is not an Excel workbook", _RESAVE_HINT)


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character may be cut at the end of the sample.
        try:
            text = head[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return "\x00" not in text and all(char.isprintable() or char in "\r\n\t\f" for char in text)


def _check_directory(path: Path, package: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse from the zip's directory alone: too big, too many parts, not a workbook, macros."""
    parts = package.infolist()
    if len(parts) > limits.parts:
        raise _refuse(
            path,
            f"this file is made of {len(parts):,} parts, more than the {limits.parts:,} an "
            "intake workbook may have",
            _FRESH_HINT,
            reason="too-many-parts",
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.unpacked_bytes:
        raise _refuse(
            path,
            f"this file unpacks to {_megabytes(unpacked)}, more than the "
            f"{_limit(limits.unpacked_bytes)} an intake workbook may (a filled form "
            "unpacks to under 1 MB)",
            _FRESH_HINT,
            reason="unpacks-too-big",
        )
    for part in parts:
        if part.file_size > limits.ratio_floor and (
            part.file_size > limits.ratio * max(part.compress_size, 1)
        ):
            raise _refuse(
                path,
                f"part of this file unpacks to {part.file_size // max(part.compress_size, 1):,} "
                f"times its packed size (more than {limits.ratio} times), as a 'zip bomb' "
                "made to exhaust memory does",
                _FRESH_HINT,
                reason="zip-bomb",
            )
    names = {part.filename.casefold(): part.filename for part in parts}
    if "xl/workbook.xml" not in names:
        kinds = {
            "word/document.xml": "a Word document",
            "ppt/presentation.xml": "a PowerPoint presentation",
            "xl/workbook.bin": "a binary Excel workbook (.xlsb)",
            "content.xml": "an OpenDocument file (from LibreOffice or similar)",
        }
        kind = next((kind for name, kind in kinds.items() if name in names), "a zip archive")
        renamed = f" renamed to {path.suffix}" if path.suffix else ""
        raise _refuse(
            path, f"this file is {kind}{renamed}, not an Excel workbook (.xlsx)", _RESAVE_HINT
        )
    if any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
        raise _refuse(
            path,
            "this workbook contains macros (a VBA project); ihp never opens workbooks with macros",
            _MACRO_HINT,
            reason="macros",
        )
    types = package.read(names["[content_types].xml"]) if "[content_types].xml" in names else b""
    if b"macroEnabled" in types or b"vbaProject" in types:
        raise _refuse(
            path,
            "this workbook is saved as macro-enabled; ihp never opens workbooks that can hold "
            "macros",
            _MACRO_HINT,
            reason="macros",
        )


# --- a streaming look at every XML part -----------------------------------------------------------

_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')
_EXTERNAL_REFERENCE = re.compile(r"\[\d+\]|\[[^\]]*\.(?:xl\w*|csv|ods)\]", re.IGNORECASE)
#: functions that run another program, call a library or fetch from the internet when recalculated
_REACHING_FUNCTIONS = re.compile(
    r"(?<![A-Za-z0-9_.])(?:_xlfn\.)?(WEBSERVICE|RTD|CALL|REGISTER(?:\.ID)?|EXEC|FILTERXML)\s*\(",
    re.IGNORECASE,
)


def formula_danger(formula: str) -> str | None:
    """Why a formula must not be trusted (`"program"`, `"link"`), or None when it is harmless.

    `|` is not an Excel operator: outside a text literal it only appears in DDE links
    (`cmd|' /C calc'!A0`), which start another program. `[1]Sheet!A1` is how a workbook stores
    a reference to another file.
    """
    bare = _STRING_LITERAL.sub('""', formula)
    if "|" in bare or _REACHING_FUNCTIONS.search(bare):
        return "program"
    if _EXTERNAL_REFERENCE.search(bare):
        return "link"
    return None


def _shown(formula: str) -> str:
    text = " ".join(formula.split())
    return f"={text}" if len(text) <= 60 else f"={text[:57]}..."


def _refuse_formula(path: Path, formula: str, danger: str, sheet: str, cell: str) -> Refused:
    if danger == "program":
        return _refuse(
            path,
            f"this cell holds a formula that can start another program or reach the internet "
            f"({_shown(formula)}); ihp never runs it and will not read this workbook",
            "delete the formula, type the value itself, and check where this workbook came from",
            sheet=sheet,
            cell=cell,
            reason="program-formula",
        )
    return _refuse(
        path,
        f"this cell's formula takes its value from another file ({_shown(formula)}); ihp reads "
        "only what is typed in this workbook",
        "type the value itself (copy the cell, then Paste Special > Values), and remove the "
        "link with Data > Edit Links > Break Link",
        sheet=sheet,
        cell=cell,
        reason="linked-formula",
    )


def _refusing_parser(path: Path) -> Any:
    """An expat parser that refuses DTDs: Excel never writes one, and entity tricks need one."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(*_: Any) -> None:
        raise _refuse(
            path,
            "this file contains XML declarations Excel never writes (a DOCTYPE or entities); "
            "it may have been made to attack the programs that read it",
            _FRESH_HINT,
            reason="xml-entities",
        )

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    return parser


def _feed(path: Path, package: zipfile.ZipFile, name: str, parser: Any) -> None:
    try:
        with package.open(name) as stream:
            for block in iter(lambda: stream.read(1 << 16), b""):
                parser.Parse(block, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, ValueError, OSError):
        raise _refuse(
            path,
            "this file is damaged (part of it cannot be read)",
            "open it in Excel and save it again as an Excel Workbook (.xlsx), or copy the "
            "details into a fresh copy of the form",
            reason="damaged",
        ) from None


def _local(tag: str) -> str:
    return tag.rsplit(" ", 1)[-1]


class _SheetScan:
    """Counts rows and cells of one sheet and notes formula and error cells, streaming."""

    def __init__(
        self, path: Path, sheet: str, limits: Limits, cells_before: int, notes: dict[Any, Any]
    ) -> None:
        self.path, self.sheet, self.limits = path, sheet, limits
        self.rows = 0
        self.cells = cells_before
        self.notes = notes
        self.row_number = 0
        self.column = 0
        self.coordinate = ""
        self.kind = ""
        self.text: list[str] | None = None
        self.formula: str | None = None
        self.value: str | None = None
        self.shared: dict[str, str] = {}
        self.shared_index = ""

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        name = _local(tag)
        if name == "row":
            self.rows += 1
            if self.rows > self.limits.rows_per_sheet:
                raise _refuse(
                    self.path,
                    f"the '{self.sheet}' sheet has more than {self.limits.rows_per_sheet:,} "
                    "rows; an intake form has a few hundred",
                    "copy the details into a fresh copy of the form; a table needs one row "
                    "per entry, not thousands",
                    sheet=self.sheet,
                    reason="too-many-rows",
                )
            self.row_number = int(attributes.get("r") or self.row_number + 1)
            self.column = 0
        elif name == "c":
            self.count_cells(1)
            self.column += 1
            self.coordinate = attributes.get("r") or (
                f"{get_column_letter(self.column)}{self.row_number}"
            )
            self.kind = attributes.get("t", "")
            self.formula = self.value = None
        elif name == "mergeCell":
            # openpyxl makes a cell object for every cell a merge covers: count them all.
            min_col, min_row, max_col, max_row = range_boundaries(attributes.get("ref", "A1"))
            self.count_cells((max_col - min_col + 1) * (max_row - min_row + 1))
        elif name == "f":
            self.text = []
            self.shared_index = attributes.get("si", "") if attributes.get("t") == "shared" else ""
        elif name == "v":
            self.text = []

    def count_cells(self, count: int) -> None:
        self.cells += count
        if self.cells > self.limits.cells:
            raise _refuse(
                self.path,
                f"this workbook has more than {self.limits.cells:,} cells (the limit was "
                f"passed on the '{self.sheet}' sheet); an intake form has about 10,000",
                _FRESH_HINT,
                sheet=self.sheet,
                reason="too-many-cells",
            )

    def characters(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name == "f":
            formula = "".join(self.text or [])
            if self.shared_index:
                if formula:
                    self.shared[self.shared_index] = formula
                else:
                    formula = self.shared.get(self.shared_index, "")
            self.formula, self.text = formula, None
        elif name == "v":
            self.value, self.text = "".join(self.text or []), None
        elif name == "c":
            error = self.value if self.kind == "e" else None
            if self.formula is not None:
                danger = formula_danger(self.formula)
                if danger:
                    raise _refuse_formula(
                        self.path, self.formula, danger, self.sheet, self.coordinate
                    )
            if self.formula is not None or error:
                self.notes[(self.sheet, self.coordinate)] = CellNote(
                    self.formula, bool(self.value), error
                )


def _sheet_parts(path: Path, package: zipfile.ZipFile) -> tuple[dict[str, str], list[str]]:
    """Worksheet part name -> sheet name, and the workbook's defined names' formulas."""
    names = {info.filename.casefold(): info.filename for info in package.infolist()}
    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if part in names:
            _feed(path, package, names[part], _refusing_parser(path))
    try:
        workbook = ElementTree.fromstring(package.read(names["xl/workbook.xml"]))
        rels_name = names.get("xl/_rels/workbook.xml.rels")
        rels = ElementTree.fromstring(package.read(rels_name)) if rels_name else None
    except (ElementTree.ParseError, KeyError, zipfile.BadZipFile):
        raise _refuse(
            path, "this file is damaged (its list of sheets cannot be read)", _FRESH_HINT
        ) from None
    targets = {}
    for rel in rels if rels is not None else []:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = target.casefold()
    sheets = {}
    formulas = []
    for element in workbook.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local == "sheet":
            rel_id = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            sheet_part = targets.get(rel_id)
            if sheet_part is not None and sheet_part in names:
                sheets[names[sheet_part]] = element.get("name", "")
        elif local == "definedName" and element.text:
            formulas.append(element.text)
    return sheets, formulas


def _scan_parts(path: Path, package: zipfile.ZipFile, limits: Limits) -> dict[Any, CellNote]:
    sheets, name_formulas = _sheet_parts(path, package)
    for formula in name_formulas:
        if formula_danger(formula) == "program":
            raise _refuse_formula(path, formula, "program", "", "")
    notes: dict[tuple[str, str], CellNote] = {}
    cells = 0
    for info in package.infolist():
        name = info.filename
        if not name.casefold().endswith((".xml", ".rels", ".vml")):
            continue
        parser = _refusing_parser(path)
        sheet = sheets.get(name)
        if sheet is not None:
            scan = _SheetScan(path, sheet, limits, cells, notes)
            parser.StartElementHandler = scan.start
            parser.EndElementHandler = scan.end
            parser.CharacterDataHandler = scan.characters
            _feed(path, package, name, parser)
            cells = scan.cells
        else:
            _feed(path, package, name, parser)
    if any(info.filename.casefold().startswith("xl/externallinks/") for info in package.infolist()):
        raise _refuse(
            path,
            "this workbook is linked to other files (it has external links); ihp reads only "
            "what is typed in this workbook",
            "in Excel choose Data > Edit Links > Break Link, save, and check again",
            reason="external-links",
        )
    return notes
