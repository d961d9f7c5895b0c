"""Read a filled intake workbook by its names only, never by position.

Single fields are found by their workbook *defined names* and repeating groups by their *Excel
table* names, exactly as `pipeline.form` writes them; table columns are matched by their heading.
A school may restyle the sheets, insert rows and columns or move a block and the reader still
finds every value. Values are kept raw (whatever Excel stored) with their `sheet!cell`, so the
validator can say exactly where a mistake is.

The file is read once into memory and never written to.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.form import (
    KIND_NAME,
    KIND_PROPERTY,
    NATION_NAME,
    NATION_PROPERTY,
    PUPIL_FORM,
    SCHOOL_FORM,
    VERSION_NAME,
    VERSION_PROPERTY,
    FormKind,
    label_of,
)
from pipeline.model import (
    SECTIONS,
    SUPPORTED_FORM_VERSIONS,
    Nation,
    Row,
    School,
    Section,
    defined_name,
    single_fields,
    table_fields,
)
from pipeline.package import (
    MACRO_SUFFIXES,
    OLD_SUFFIXES,
    CellNote,
    Package,
    Refused,
    inspect_package,
)
from pipeline.problems import Problem, Severity

#: files read from an intake folder: workbooks, and the kinds refused with a clear message
#: (macro-enabled and old-format workbooks) rather than skipped without a word
WORKBOOK_SUFFIXES = (".xlsx", *MACRO_SUFFIXES, *OLD_SUFFIXES)

_log = logging.getLogger(__name__)

FRESH_FORM_HINT = (
    f"copy the details into a fresh form: forms/{PUPIL_FORM} for a pupil, forms/{SCHOOL_FORM} "
    "for the school (`ihp form` writes them)"
)


@dataclass(frozen=True)
class RawCell:
    """One value as Excel stored it, and where it was."""

    value: Any
    sheet: str
    cell: str

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.cell}"

    @property
    def is_blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass(frozen=True)
class RawRow:
    """A filled row of a table; `number` is its position in the table (1 = first row)."""

    number: int
    cells: dict[str, RawCell]


@dataclass
class RawTable:
    name: str
    sheet: str
    #: the first cell under the heading, where "this table is empty" problems point
    first_cell: str
    #: field name -> column letter
    columns: dict[str, str]
    rows: list[RawRow] = field(default_factory=list)


@dataclass
class RawSection:
    key: str
    sheet: str
    fields: dict[str, RawCell] = field(default_factory=dict)
    tables: dict[str, RawTable] = field(default_factory=dict)
    #: fields whose defined name or table is not in the workbook
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FormIdentity:
    """Which of our forms a workbook is: stored in it by `ihp form`."""

    kind: FormKind
    version: str
    nation: Nation | None


@dataclass
class RawIntake:
    path: Path
    identity: FormIdentity | None = None
    sections: dict[str, RawSection] = field(default_factory=dict)
    #: problems found while reading (a refusal, text typed outside a table, a missing column)
    problems: list[Problem] = field(default_factory=list)

    @property
    def kind(self) -> FormKind | None:
        return self.identity.kind if self.identity else None

    @property
    def version(self) -> str | None:
        return self.identity.version if self.identity else None

    @property
    def nation(self) -> Nation | None:
        return self.identity.nation if self.identity else None

    @property
    def refused(self) -> bool:
        """True when the workbook could not be read as one of our forms at all."""
        return not self.sections


def is_workbook_file(path: Path) -> bool:
    """An Excel workbook worth reading: not a lock file Excel leaves behind, not a hidden file."""
    name = path.name
    return (
        path.suffix.lower() in WORKBOOK_SUFFIXES
        and not name.startswith(("~$", ".~lock", "."))
        and path.is_file()
    )


def workbooks_in(folder: Path) -> list[Path]:
    """The workbooks in an intake folder, in name order; other files are skipped."""
    return sorted((path for path in folder.iterdir() if is_workbook_file(path)), key=_name_key)


def _name_key(path: Path) -> str:
    return path.name.casefold()


def _problem(
    path: Path, message: str, hint: str, *, sheet: str = "", cell: str = "", label: str = ""
) -> Problem:
    return Problem(path.name, sheet, cell, label, message, hint, Severity.ERROR)


def _open(package: Package, *, read_only: bool) -> Workbook:
    """Load from the copy in memory `inspect_package` checked: the file is never written to.

    `data_only`: a formula cell gives the result Excel saved with it; nothing is calculated.
    """
    content = package.content if read_only else _without_empty_cells(package.content)
    with warnings.catch_warnings():
        # openpyxl warns about Excel features it does not keep (slicers, extensions); harmless.
        warnings.simplefilter("ignore")
        return load_workbook(io.BytesIO(content), read_only=read_only, data_only=True)


# A cell with a style and nothing in it: `<c r="B7" s="12"/>` or `<c r="B7" s="12"></c>`.
_EMPTY_CELL = re.compile(rb"<(\w+:|)c(?:\s[^>]*?)?(?:/>|>\s*</\1c>)")
# Then a row left with no cells, and the drop-downs and colouring rules of the input boxes.
_EMPTY_ROW = re.compile(rb"<(\w+:|)row(?:\s[^>]*?)?(?:/>|>\s*</\1row>)")
_RULES = re.compile(rb"<(\w+:|)(dataValidations|conditionalFormatting)\b.*?</\1\2>", re.DOTALL)


def _without_empty_cells(content: bytes) -> bytes:
    """The package with its sheets' empty styled cells left out, for reading values only.

    The blank form styles thousands of empty input cells (borders, unlocked) and gives them
    drop-downs and colouring rules; openpyxl would build an object for each, most of the time
    spent reading a workbook. Values, merged ranges, tables and names are untouched. The copy
    in memory is all that changes.
    """
    slim = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as package,
        zipfile.ZipFile(slim, "w", zipfile.ZIP_STORED) as copy,
    ):
        for member in package.infolist():
            part = package.read(member)
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                part = _EMPTY_ROW.sub(b"", _RULES.sub(b"", _EMPTY_CELL.sub(b"", part)))
            copy.writestr(member.filename, part)
    return slim.getvalue()


def _unopenable(path: Path) -> Problem:
    return _problem(
        path,
        "this file cannot be opened as an Excel workbook (it may be damaged, password-protected "
        "or another kind of file)",
        "open it in Excel and save it as an Excel Workbook (.xlsx) without a password, or move "
        "it out of the intake folder",
    )


def _name_destination(wb: Workbook, name: str) -> tuple[str, str] | None:
    """The sheet and top-left cell a workbook-scoped name points at, if it still points anywhere."""
    defined = wb.defined_names.get(name)
    if defined is None:
        lowered = name.casefold()
        defined = next(
            (value for key, value in wb.defined_names.items() if key.casefold() == lowered), None
        )
    if defined is None:
        return None
    try:
        destinations = list(defined.destinations)
    except Exception:  # a name pointing at #REF! or a formula rather than a cell
        return None
    if not destinations:
        return None
    sheet, cells = destinations[0]
    sheet = sheet.replace("''", "'")
    if sheet not in wb.sheetnames:
        return None
    first = cells.replace("$", "").split(":")[0]
    return sheet, first


def _identity_from(wb: Workbook, *, with_cells: bool) -> tuple[str | None, str | None, str | None]:
    values: dict[str, str | None] = {KIND_NAME: None, VERSION_NAME: None, NATION_NAME: None}
    if with_cells:
        for name in values:
            destination = _name_destination(wb, name)
            if destination:
                value = wb[destination[0]][destination[1]].value
                values[name] = None if value is None else str(value).strip()
    properties = {prop.name: prop.value for prop in wb.custom_doc_props.props}
    fallbacks = {
        KIND_NAME: KIND_PROPERTY,
        VERSION_NAME: VERSION_PROPERTY,
        NATION_NAME: NATION_PROPERTY,
    }
    for name, prop in fallbacks.items():
        if not values[name] and properties.get(prop):
            values[name] = str(properties[prop]).strip()
    return values[KIND_NAME], values[VERSION_NAME], values[NATION_NAME]


def _identify(path: Path, wb: Workbook, *, with_cells: bool) -> FormIdentity | Problem:
    kind_text, version, nation_text = _identity_from(wb, with_cells=with_cells)
    kinds = {kind.value: kind for kind in FormKind}
    if not kind_text or kind_text.casefold() not in kinds:
        return _problem(
            path,
            "this workbook is not an Individual Healthcare Plan intake form (it does not say "
            "which form it is)",
            FRESH_FORM_HINT + ", or move this file out of the intake folder",
        )
    if version not in SUPPORTED_FORM_VERSIONS:
        return _problem(
            path,
            f"this workbook was made with version {version or 'unknown'} of the intake form; "
            f"this copy of ihp reads version {', '.join(SUPPORTED_FORM_VERSIONS)}",
            FRESH_FORM_HINT,
        )
    nations = {nation.value.casefold(): nation for nation in Nation}
    nation = nations.get((nation_text or "").casefold())
    return FormIdentity(kinds[kind_text.casefold()], version, nation)


def form_identity(path: Path) -> FormIdentity | None:
    """Which form a workbook is, cheaply (for finding the school file); None if not one of ours."""
    if not is_workbook_file(path):
        return None
    try:
        wb = _open(inspect_package(path), read_only=True)
    except Exception:  # refused, unreadable or vanished: not a form to use
        return None
    try:
        identity = _identify(path, wb, with_cells=False)
    finally:
        wb.close()
    return identity if isinstance(identity, FormIdentity) else None


def read_workbook(path: Path) -> RawIntake:
    """Read a pupil or school workbook by its names; problems instead of exceptions."""
    raw = RawIntake(path=path)
    try:
        package = inspect_package(path)
        wb = _open(package, read_only=False)
    except Refused as refusal:
        _log.info("workbook %s refused: %s", workbook_reference(path), refusal.reason)
        raw.problems.append(refusal.problem)
        return raw
    except FileNotFoundError:
        raw.problems.append(
            _problem(
                path,
                "the workbook was moved or deleted while ihp was reading it",
                "put it back in the intake folder and run ihp again",
            )
        )
        return raw
    except Exception as error:
        _log.info("workbook %s unreadable: %s", workbook_reference(path), type(error).__name__)
        raw.problems.append(_unopenable(path))
        return raw
    identity = _identify(path, wb, with_cells=True)
    if isinstance(identity, Problem):
        raw.problems.append(identity)
        return raw
    raw.identity = identity
    sections: dict[str, type[Section]] = (
        {"school": School} if identity.kind is FormKind.SCHOOL else dict(SECTIONS)
    )
    layout = _Layout(tables=_tables_by_name(wb), named=_named_cells(wb), notes=package.notes)
    for key, section in sections.items():
        raw.sections[key] = _read_section(path, wb, key, section, layout, raw.problems)
    _log.info(
        "workbook %s read: %s form %s, %d reading problem(s)",
        workbook_reference(path, package.content),
        identity.kind.value,
        identity.version,
        len(raw.problems),
    )
    return raw


def workbook_reference(path: Path, content: bytes | None = None) -> str:
    """How logs name a workbook: the start of its SHA-256 (as in manifest.json), never its
    file name, which usually holds the pupil's name."""
    digest = hashlib.sha256()
    try:
        if content is not None:
            digest.update(content)
        else:
            with path.open("rb") as stream:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
    except OSError:
        return "(unreadable)"
    return digest.hexdigest()[:12]


def read_school(path: Path) -> RawIntake:
    """Read the school details workbook; a pupil workbook given instead is refused clearly."""
    raw = read_workbook(path)
    if raw.kind is FormKind.PUPIL:
        return RawIntake(
            path=path,
            identity=raw.identity,
            problems=[
                _problem(
                    path,
                    "this is a pupil's intake workbook, not the school details",
                    f"give the school details workbook instead (a copy of forms/{SCHOOL_FORM}, "
                    "normally school.xlsx)",
                )
            ],
        )
    return raw


@dataclass(frozen=True)
class _Layout:
    """Where the workbook's tables and named cells are, to tell stray entries from blocks."""

    tables: dict[str, tuple[Worksheet, Table]]
    named: frozenset[tuple[str, str]]
    #: formula and error cells, from `inspect_package`
    notes: dict[tuple[str, str], CellNote]


# Excel stores characters XML cannot hold (\x0b, a pasted line break) as `_x000B_`.
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(value: Any) -> Any:
    if isinstance(value, str) and "_x" in value:
        return _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), value)
    return value


def _merged_into(ws: Worksheet, coordinate: str) -> str | None:
    """The merged range a cell disappeared into (it is not the range's top-left cell)."""
    if not isinstance(ws[coordinate], MergedCell):
        return None
    return next((str(merged) for merged in ws.merged_cells.ranges if coordinate in merged), None)


def _cell_problem(
    path: Path, ws: Worksheet, coordinate: str, label: str, layout: _Layout
) -> Problem | None:
    """Why a cell's stored value cannot be used as typed: merged away, a formula without a
    saved result, an Excel error. A formula's saved plain result is used like a typed value."""
    merged = _merged_into(ws, coordinate)
    if merged:
        return _problem(
            path,
            f"this box has been merged with others ({merged}), so it cannot hold its own value",
            f"select {merged} and choose Merge & Center > Unmerge Cells, then type the value "
            "in this box",
            sheet=ws.title,
            cell=coordinate,
            label=label,
        )
    note = layout.notes.get((ws.title, coordinate))
    if note is None:
        return None
    if note.error:
        return _problem(
            path,
            f"this box shows the Excel error {note.error} instead of a value",
            "type the value itself (if a formula is there, replace it with the value)",
            sheet=ws.title,
            cell=coordinate,
            label=label,
        )
    if note.formula is not None and not note.cached:
        shown = " ".join(note.formula.split())[:40]
        return _problem(
            path,
            f"this box holds a formula (={shown}) whose result was never saved, so there is "
            "no value to read",
            "type the value itself, or open the workbook in Excel and save it so the result "
            "is stored",
            sheet=ws.title,
            cell=coordinate,
            label=label,
        )
    return None


def _raw_cell(
    path: Path,
    ws: Worksheet,
    coordinate: str,
    label: str,
    layout: _Layout,
    problems: list[Problem] | None,
) -> RawCell:
    """The value of one input cell; a value that cannot be used becomes a problem (when
    `problems` is given) and an empty box."""
    problem = _cell_problem(path, ws, coordinate, label, layout) if problems is not None else None
    if problem is not None and problems is not None:
        problems.append(problem)
        return RawCell(None, ws.title, coordinate)
    return RawCell(_unescape(ws[coordinate].value), ws.title, coordinate)


def _named_cells(wb: Workbook) -> frozenset[tuple[str, str]]:
    cells = set()
    for name in list(wb.defined_names):
        destination = _name_destination(wb, name)
        if destination:
            cells.add(destination)
    return frozenset(cells)


def _tables_by_name(wb: Workbook) -> dict[str, tuple[Worksheet, Table]]:
    # Excel table names are case-insensitive.
    return {
        table.displayName.casefold(): (ws, table)
        for ws in wb.worksheets
        for table in ws.tables.values()
    }


def _read_section(
    path: Path,
    wb: Workbook,
    key: str,
    section: type[Section],
    layout: _Layout,
    problems: list[Problem],
) -> RawSection:
    raw = RawSection(key=key, sheet=section.sheet)
    for name in single_fields(section):
        destination = _name_destination(wb, defined_name(key, name))
        if destination is None:
            raw.missing.append(name)
            continue
        sheet, coordinate = destination
        label = label_of(section.model_fields[name], name)
        raw.fields[name] = _raw_cell(path, wb[sheet], coordinate, label, layout, problems)
    for name, row_model in table_fields(section).items():
        found = layout.tables.get(row_model.table.casefold())
        if found is None:
            raw.missing.append(name)
            continue
        ws, table = found
        title = label_of(section.model_fields[name], name)
        raw.tables[name] = _read_table(path, ws, table, row_model, title, layout, problems)
    return raw


def _header_key(value: Any) -> str:
    return str(value or "").strip().rstrip("*").strip().casefold()


def _read_table(
    path: Path,
    ws: Worksheet,
    table: Table,
    row_model: type[Row],
    title: str,
    layout: _Layout,
    problems: list[Problem],
) -> RawTable:
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    header_rows = 1 if table.headerRowCount is None else int(table.headerRowCount)
    total_rows = int(table.totalsRowCount or 0)
    first_data = min_row + header_rows
    last_data = max_row - total_rows
    by_heading = {}
    for name, row_field in row_model.model_fields.items():
        by_heading[_header_key(label_of(row_field, name))] = name
        by_heading[_header_key(name)] = name
    columns: dict[str, str] = {}
    for column in range(min_col, max_col + 1):
        heading = ws.cell(row=min_row, column=column).value if header_rows else None
        if heading is None and table.tableColumns:
            heading = table.tableColumns[column - min_col].name
        field_name = by_heading.get(_header_key(heading))
        if field_name and field_name not in columns:
            columns[field_name] = get_column_letter(column)
    raw = RawTable(
        name=table.displayName,
        sheet=ws.title,
        first_cell=f"{get_column_letter(min_col)}{first_data}",
        columns=columns,
    )
    for name, row_field in row_model.model_fields.items():
        if name not in columns and row_field.is_required():
            problems.append(
                _problem(
                    path,
                    f"the {title} table has no '{label_of(row_field, name)}' column",
                    "put the column back with its heading exactly as on the blank form, "
                    f"or {FRESH_FORM_HINT}",
                    sheet=ws.title,
                    cell=f"{get_column_letter(min_col)}{min_row}",
                    label=label_of(row_field, name),
                )
            )
    labels = {name: label_of(row_model.model_fields[name], name) for name in columns}
    for sheet_row in range(first_data, last_data + 1):
        cells = {
            name: _raw_cell(path, ws, f"{letter}{sheet_row}", "", layout, None)
            for name, letter in columns.items()
        }
        if all(cell.is_blank for cell in cells.values()):
            continue
        number = sheet_row - first_data + 1
        cells = {  # a filled row: now say what cannot be used in it
            name: _raw_cell(
                path,
                ws,
                f"{letter}{sheet_row}",
                f"{labels[name]} ({title}, row {number})",
                layout,
                problems,
            )
            for name, letter in columns.items()
        }
        raw.rows.append(RawRow(number=number, cells=cells))
    below = last_data + 1 + total_rows
    stray = _typed_below(ws, below, min_col, max_col, table, layout)
    if stray:
        problems.append(
            _problem(
                path,
                f"something is typed in row {below}, just below the {title} table; it is "
                "outside the table, so it would be left out of the plan",
                "click in the table and choose Table Design > Resize Table to include that row "
                "(or drag the table's corner down), or move the entry into an empty table row",
                sheet=ws.title,
                cell=stray,
                label=title,
            )
        )
    return raw


def _typed_below(
    ws: Worksheet,
    sheet_row: int,
    min_col: int,
    max_col: int,
    table: Table,
    layout: _Layout,
) -> str | None:
    """The first filled cell in the row under a table, unless it is part of another block."""
    for other_ws, other in layout.tables.values():
        if other_ws is ws and other is not table:
            o_min_col, o_min_row, o_max_col, o_max_row = range_boundaries(other.ref)
            if (
                o_min_row <= sheet_row <= o_max_row
                and o_min_col <= max_col
                and o_max_col >= min_col
            ):
                return None
    for column in range(min_col, max_col + 1):
        coordinate = f"{get_column_letter(column)}{sheet_row}"
        if (ws.title, coordinate) in layout.named:
            return None
        value = ws[coordinate].value
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return coordinate
    return None
