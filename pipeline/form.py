"""The blank intake workbooks, generated from the plan model so the form and the reader agree.

Every sheet, label, prompt, drop-down and table comes from iterating `SECTIONS` and each
section's `model_fields`: adding a field to the model adds it to the form. The reader
(`pipeline.intake`) finds values only by the workbook names written here (one defined name per
single field, one Excel table per repeating group), never by position, so a school may restyle
the form, insert rows or move a block without breaking it.

Output is byte-for-byte deterministic (fixed timestamps), so the committed forms can be proved
to equal what the generator writes now.
"""

from __future__ import annotations

import contextlib
import io
import re
import types
import typing
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import absolute_coordinate, get_column_letter, quote_sheetname
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import EmailStr
from pydantic.fields import FieldInfo

from pipeline import model, uk
from pipeline.errors import OutputError
from pipeline.model import (
    FORM_VERSION,
    SECTIONS,
    TEXT_LIMIT,
    Nation,
    Row,
    School,
    Section,
    defined_name,
    single_fields,
    table_fields,
)
from pipeline.wording import reword

PUPIL_FORM = "ihp-intake.xlsx"
WALES_FORM = "ihp-intake-wales.xlsx"
SCHOOL_FORM = "school-details.xlsx"

#: workbook names that say which form a workbook is (cells on the hidden "About" sheet)
KIND_NAME = "form_kind"
VERSION_NAME = "form_version"
NATION_NAME = "form_nation"
#: custom document properties carrying the same, for tools that do not read defined names
KIND_PROPERTY = "ihp_form_kind"
VERSION_PROPERTY = "ihp_form_version"
NATION_PROPERTY = "ihp_form_nation"

START_SHEET = "Start here"
ABOUT_SHEET = "About"

#: fixed document timestamps so the same model always gives the same bytes
FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)

#: rows below the last table of a sheet that keep its drop-downs, for rows added later
EXTRA_ROWS = 200
#: empty rows left below a table that has another table under it (also keep its drop-downs)
SPACER_ROWS = 3

FIRST_FIELD_ROW = 5
LABEL_COLUMN, INPUT_COLUMN, GUIDE_COLUMN = 1, 2, 3


class FormKind(StrEnum):
    PUPIL = "pupil"
    SCHOOL = "school"


InputKind = Literal[
    "text", "date", "phone", "nhs", "postcode", "email", "yes_no", "enum", "int", "float", "table"
]

_VALIDATOR_KINDS: dict[Any, InputKind] = {
    model.check_text: "text",
    uk.parse_uk_date: "date",
    uk.check_uk_phone: "phone",
    uk.normalise_nhs_number: "nhs",
    uk.normalise_postcode: "postcode",
    model._yes_no: "yes_no",
}


def _parts(annotation: Any) -> list[Any]:
    """Flatten `X | None` and `Annotated[...]` into the base types and validators they hold."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [part for arg in typing.get_args(annotation) for part in _parts(arg)]
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        return [*_parts(base), *metadata]
    return [annotation]


def input_kind(field: FieldInfo) -> InputKind:
    """What a field's input cell holds: it decides the drop-down, validation and cell format."""
    parts = [*_parts(field.annotation), *field.metadata]
    for part in parts:
        func = getattr(part, "func", None)
        if func in _VALIDATOR_KINDS:
            return _VALIDATOR_KINDS[func]
    for part in parts:
        if part is EmailStr:
            return "email"
        if isinstance(part, type) and issubclass(part, Enum):
            return "enum"
        if typing.get_origin(part) is list:
            return "table"
        if part is bool:
            return "yes_no"
        if part is int:
            return "int"
        if part is float:
            return "float"
    return "text"


def enum_of(field: FieldInfo) -> type[Enum] | None:
    """The enumeration a drop-down field chooses from."""
    for part in _parts(field.annotation):
        if isinstance(part, type) and issubclass(part, Enum):
            return part
    return None


def number_bounds(field: FieldInfo) -> tuple[float | None, float | None]:
    """The lowest and highest number a numeric field accepts (inclusive where the model says)."""
    low = high = None
    for constraint in field.metadata:
        if (value := getattr(constraint, "ge", None)) is not None:
            low = value
        if (value := getattr(constraint, "gt", None)) is not None:
            low = value
        if (value := getattr(constraint, "le", None)) is not None:
            high = value
        if (value := getattr(constraint, "lt", None)) is not None:
            high = value
    return low, high


def is_long(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return bool(isinstance(extra, dict) and extra.get("long"))


def label_of(field: FieldInfo, name: str) -> str:
    return field.title or name.replace("_", " ").capitalize()


def is_required(field: FieldInfo) -> bool:
    """Required on the form: no default, or a list that must have rows."""
    if field.is_required():
        return True
    return any(getattr(constraint, "min_length", 0) for constraint in field.metadata)


def header_text(field: FieldInfo, name: str) -> str:
    """A table's column heading: the field's label, with * when the column must be filled."""
    return label_of(field, name) + (" *" if field.is_required() else "")


# --------------------------------------------------------------------------------------------
# Look and feel


_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_REQUIRED_FILL = PatternFill("solid", start_color="FFF8E1", end_color="FFF8E1")
_EMPTY_REQUIRED_FILL = PatternFill("solid", start_color="F8CBAD", end_color="F8CBAD")
_HEADING_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
_TITLE_FONT = Font(bold=True, size=16, color="1F3864")
_HEADING_FONT = Font(bold=True, size=12, color="1F3864")
_GUIDE_FONT = Font(italic=True, size=9, color="595959")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)
_TEXT_FORMAT = "@"
_DATE_FORMAT = "dd/mm/yyyy"

_WIDTHS = {LABEL_COLUMN: 36, INPUT_COLUMN: 50, GUIDE_COLUMN: 44}
_TABLE_COLUMN_WIDTH = 22
_LONG_TABLE_COLUMN_WIDTH = 40
_LONG_ROW_HEIGHT = 75
_LONG_TABLE_ROW_HEIGHT = 45

_FIRST_DATE = date(1990, 1, 1)
_LAST_DATE = date(2100, 12, 31)


def _excel_serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class _Lists:
    """Drop-down choices written once on the hidden About sheet, referenced by validations."""

    sheet: Worksheet
    column: int = 4
    ranges: dict[type[Enum], str] | None = None
    #: choices are listed in the nation's words (Wales: "Learner, supervised by staff")
    nation: Nation = Nation.ENGLAND

    def range_for(self, choices: type[Enum]) -> str:
        if self.ranges is None:
            self.ranges = {}
        if choices not in self.ranges:
            self.sheet.cell(row=1, column=self.column, value=choices.__name__).font = Font(
                bold=True
            )
            values = [reword(str(member.value), self.nation) for member in choices]
            for offset, value in enumerate(values, start=2):
                self.sheet.cell(row=offset, column=self.column, value=value)
            letter = get_column_letter(self.column)
            self.ranges[choices] = (
                f"{quote_sheetname(ABOUT_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
            )
            self.column += 1
        return self.ranges[choices]


def _validation(
    field: FieldInfo, name: str, lists: _Lists, nation: Nation = Nation.ENGLAND
) -> DataValidation:
    """The input prompt and the check Excel applies as the SENCo types."""
    kind = input_kind(field)
    label = reword(label_of(field, name), nation)
    prompt = reword(field.description or "", nation)
    extra = field.json_schema_extra
    if isinstance(extra, dict) and extra.get("example"):
        prompt += f" Example: {extra['example']}."
    if is_required(field):
        prompt += " Required."
    options: dict[str, Any] = {}
    error = ""
    if kind == "enum":
        choices = enum_of(field)
        assert choices is not None
        options = {"type": "list", "formula1": lists.range_for(choices)}
        error = "Choose one of the options in the drop-down list."
    elif kind == "yes_no":
        options = {"type": "list", "formula1": '"Yes,No"'}
        error = "Choose Yes or No."
    elif kind == "date":
        options = {
            "type": "date",
            "operator": "between",
            "formula1": str(_excel_serial(_FIRST_DATE)),
            "formula2": str(_excel_serial(_LAST_DATE)),
        }
        error = "Type a date as day/month/year, for example 03/04/2026."
    elif kind in ("int", "float"):
        low, high = number_bounds(field)
        options = {
            "type": "whole" if kind == "int" else "decimal",
            "operator": "between",
            "formula1": str(low if low is not None else 0),
            "formula2": str(high if high is not None else 1_000_000),
        }
        error = f"Type a number from {low:g} to {high:g}." if low is not None and high else ""
        error = error or "Type a number."
    elif kind == "text":
        options = {"type": "textLength", "operator": "lessThanOrEqual", "formula1": str(TEXT_LIMIT)}
        error = f"At most {TEXT_LIMIT} characters: put longer detail in a separate document."
    validation = DataValidation(
        allow_blank=True,
        showInputMessage=True,
        promptTitle=_clip(label, 32),
        prompt=_clip(prompt.strip(), 255),
        showErrorMessage=bool(error),
        errorTitle=_clip(label, 32) if error else None,
        error=_clip(error, 255) if error else None,
        **options,
    )
    return validation


def _number_format(kind: InputKind) -> str:
    if kind == "date":
        return _DATE_FORMAT
    if kind in ("text", "phone", "nhs", "postcode", "email"):
        # Text format keeps the leading 0 of phone numbers and stops Excel turning codes into dates.
        return _TEXT_FORMAT
    return "General"


def _style_input(cell: Cell, field: FieldInfo, kind: InputKind) -> None:
    cell.protection = _UNLOCKED
    cell.alignment = _WRAP_TOP
    cell.border = _BOX
    cell.number_format = _number_format(kind)
    if field.is_required():
        cell.fill = _REQUIRED_FILL


def _empty_rule(ws: Worksheet, cells: str, formula: str) -> None:
    ws.conditional_formatting.add(
        cells, FormulaRule(formula=[formula], fill=_EMPTY_REQUIRED_FILL, stopIfTrue=False)
    )


def _protect(ws: Worksheet) -> None:
    """Lock labels and headings, leave input cells open, and let the school restyle freely."""
    protection = ws.protection
    protection.sheet = True
    protection.formatCells = False
    protection.formatColumns = False
    protection.formatRows = False
    protection.insertRows = False
    protection.deleteRows = False
    protection.sort = False
    protection.autoFilter = False


def _define(ws: Worksheet, name: str, cell: Cell) -> None:
    target = f"{quote_sheetname(ws.title)}!{absolute_coordinate(cell.coordinate)}"
    ws.parent.defined_names[name] = DefinedName(name, attr_text=target)


def _page_setup(ws: Worksheet, last_column: int, last_row: int) -> None:
    ws.print_area = f"A1:{get_column_letter(last_column)}{last_row}"
    ws.print_title_rows = "1:2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if last_column > GUIDE_COLUMN else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "&A · page &P of &N"


def _sheet_heading(ws: Worksheet, title: str, intro: str, width: int) -> None:
    ws["A1"] = title
    ws["A1"].font = _TITLE_FONT
    ws["A2"] = intro
    ws["A2"].alignment = _WRAP_TOP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, GUIDE_COLUMN))
    ws.row_dimensions[2].height = 48
    ws["A3"] = "Boxes marked * must be filled in; they stay pink until they are."
    ws["A3"].font = _GUIDE_FONT


def _write_single(
    ws: Worksheet,
    row: int,
    section: str,
    name: str,
    field: FieldInfo,
    lists: _Lists,
    nation: Nation = Nation.ENGLAND,
) -> None:
    kind = input_kind(field)
    required = field.is_required()
    text = reword(label_of(field, name), nation)
    label = ws.cell(row=row, column=LABEL_COLUMN, value=text + (" *" if required else ""))
    label.alignment = _WRAP_TOP
    label.font = Font(bold=required)
    cell = ws.cell(row=row, column=INPUT_COLUMN)
    _style_input(cell, field, kind)
    guide = ws.cell(row=row, column=GUIDE_COLUMN, value=reword(field.description or "", nation))
    guide.font = _GUIDE_FONT
    guide.alignment = _WRAP_TOP
    if kind == "yes_no" and field.default is False:
        cell.value = "No"
    elif kind == "enum" and field.default is not None and not required:
        cell.value = str(field.default.value)
    elif kind in ("int", "float") and isinstance(field.default, int | float):
        cell.value = field.default
    validation = _validation(field, name, lists, nation)
    ws.add_data_validation(validation)
    validation.add(cell)
    if required:
        _empty_rule(ws, cell.coordinate, f"LEN(TRIM({cell.coordinate}))=0")
    if is_long(field):
        ws.row_dimensions[row].height = _LONG_ROW_HEIGHT
    _define(ws, defined_name(section, name), cell)


def _write_table(
    ws: Worksheet,
    row: int,
    field: FieldInfo,
    field_name: str,
    row_model: type[Row],
    lists: _Lists,
    spare_rows: int,
    nation: Nation = Nation.ENGLAND,
) -> int:
    """Heading, header row, blank rows; returns the first row after the table.

    Column headings stay in the model's words in every nation: the reader finds columns by them.
    """
    heading = ws.cell(
        row=row, column=LABEL_COLUMN, value=reword(label_of(field, field_name), nation)
    )
    heading.font = _HEADING_FONT
    description = reword(field.description or "", nation)
    guide = ws.cell(row=row, column=INPUT_COLUMN, value=description)
    guide.font = _GUIDE_FONT
    guide.alignment = _WRAP_TOP
    if is_required(field):
        heading.value = f"{heading.value} *"
        guide.value = f"{description} At least one row is required."
    header_row = row + 1
    first, last = header_row + 1, header_row + row_model.blank_rows
    columns = list(row_model.model_fields.items())
    for offset, (name, column_field) in enumerate(columns):
        column = LABEL_COLUMN + offset
        head = ws.cell(row=header_row, column=column, value=header_text(column_field, name))
        head.font = Font(bold=True)
        head.alignment = _WRAP_TOP
        kind = input_kind(column_field)
        letter = get_column_letter(column)
        for body_row in range(first, last + spare_rows + 1):
            cell = ws.cell(row=body_row, column=column)
            cell.protection = _UNLOCKED
            cell.alignment = _WRAP_TOP
            cell.number_format = _number_format(kind)
            if body_row <= last:
                cell.border = _BOX
        validation = _validation(column_field, name, lists, nation)
        ws.add_data_validation(validation)
        validation.add(f"{letter}{first}:{letter}{last + spare_rows}")
        if column_field.is_required():
            span = f"$A{first}:${get_column_letter(len(columns))}{first}"
            _empty_rule(
                ws,
                f"{letter}{first}:{letter}{last + spare_rows}",
                f"AND(COUNTA({span})>0,LEN(TRIM({letter}{first}))=0)",
            )
        if column > GUIDE_COLUMN:
            width = _LONG_TABLE_COLUMN_WIDTH if is_long(column_field) else _TABLE_COLUMN_WIDTH
            ws.column_dimensions[letter].width = width
    if any(is_long(column_field) for _, column_field in columns):
        for body_row in range(first, last + 1):
            ws.row_dimensions[body_row].height = _LONG_TABLE_ROW_HEIGHT
    ref = f"A{header_row}:{get_column_letter(len(columns))}{last}"
    table = Table(displayName=row_model.table, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    return last + 1


def _write_section_sheet(
    wb: Workbook,
    key: str,
    section: type[Section],
    lists: _Lists,
    nation: Nation = Nation.ENGLAND,
) -> Worksheet:
    """One section's sheet, in the nation's words (Wales: learner, ALNCo)."""
    title = reword(section.sheet, nation)
    ws = wb.create_sheet(title)
    tables = table_fields(section)
    widest = max([GUIDE_COLUMN, *(len(row.model_fields) for row in tables.values())])
    _sheet_heading(ws, title, reword(section.intro, nation), GUIDE_COLUMN)
    for column, width in _WIDTHS.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    row = FIRST_FIELD_ROW
    for name in single_fields(section):
        _write_single(ws, row, key, name, section.model_fields[name], lists, nation)
        row += 1
    # Tables come after the single fields so the last one can grow downwards freely.
    last_printed = row - 1
    for index, (name, row_model) in enumerate(tables.items()):
        row += 1
        is_last = index == len(tables) - 1
        spare = EXTRA_ROWS if is_last else SPACER_ROWS
        row = _write_table(
            ws, row, section.model_fields[name], name, row_model, lists, spare, nation
        )
        last_printed = row - 1
        if not is_last:
            row += SPACER_ROWS
    _page_setup(ws, widest, last_printed)
    _protect(ws)
    return ws


def _start_sheet(
    wb: Workbook, kind: FormKind, nation: Nation, sheets: list[tuple[str, str]]
) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = START_SHEET
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 110
    pupil = "learner" if nation is Nation.WALES else "pupil"
    if kind is FormKind.SCHOOL:
        title = "School details for Individual Healthcare Plans"
        steps = [
            "Fill this workbook in once for your school, on the School sheet.",
            f"Save it as school.xlsx in the same folder as the {pupil}s' intake workbooks: "
            "every plan and emergency sheet takes the school's address, postcode and 999 "
            "details from it.",
            "Boxes marked * must be filled in. They are shaded pink until they are.",
            "Click a box to see what to type in it. Lists have a drop-down arrow.",
            "Keep it up to date: when a phone number or the headteacher changes, change it "
            "here and build the plans again.",
            "Before building the plans, run `ihp check` on the folder: it lists every mistake "
            "with its sheet and cell, and what to type instead.",
        ]
    else:
        title = f"Individual Healthcare Plan: {pupil} intake form"
        if nation is Nation.WALES:
            title += " (Wales)"
        steps = [
            f"Use one copy of this workbook per {pupil}. Save it with the {pupil}'s name, for "
            "example jo-smith.xlsx, in one folder for all your plans.",
            "School details (address, postcode, phones, headteacher) are entered once, in "
            "school.xlsx in the same folder, not in this workbook.",
            "Work through the sheets in order during or after the meeting. Each sheet starts "
            "with what it is for.",
            "Click a box to see what to type in it. Lists have a drop-down arrow; dates are "
            "day/month/year, for example 03/04/2026.",
            "Boxes marked * must be filled in. They are shaded pink until they are. In a "
            "table, a row's * boxes turn pink once you start that row.",
            "Tables (contacts, medicines, staff training...) have empty rows ready. To add "
            "more rows, choose Review > Unprotect Sheet (there is no password), then type in "
            "the row just below the table: Excel extends the table to take it in. `ihp check` "
            "tells you if anything ends up outside a table.",
            "Leave a box empty when it does not apply. Empty table rows are ignored.",
            "You may restyle the sheets, move blocks and insert rows: ihp finds each box by "
            "its name, not its position. Do not rename the tables or delete boxes.",
            "Before building the plans, run `ihp check` on the folder: it lists every mistake "
            "with its sheet and cell, and what to type instead. Fix them and check again.",
        ]
        if nation is Nation.WALES:
            steps.insert(
                3,
                "The IDP health sheet records the health and social care section of the "
                "learner's Individual Development Plan. Record every need, even if advice "
                "is still pending.",
            )
    ws["A1"] = title
    ws["A1"].font = _TITLE_FONT
    ws["A2"] = (
        f"This form records everything the {pupil}'s Individual Healthcare Plan needs. "
        "It holds health information about a child: keep it somewhere only staff who need "
        "it can open."
    )
    ws["A2"].alignment = _WRAP_TOP
    ws.merge_cells("A2:B2")
    ws.row_dimensions[2].height = 32
    ws["A4"] = "How to fill it in"
    ws["A4"].font = _HEADING_FONT
    row = 5
    for number, step in enumerate(steps, start=1):
        ws.cell(row=row, column=1, value=f"{number}.").alignment = _WRAP_TOP
        ws.cell(row=row, column=2, value=step).alignment = _WRAP_TOP
        ws.row_dimensions[row].height = 15 * (1 + len(step) // 100)
        row += 1
    row += 1
    ws.cell(row=row, column=1, value="The sheets").font = _HEADING_FONT
    row += 1
    for sheet, intro in sheets:
        link = ws.cell(row=row, column=2, value=f"{sheet}: {intro}")
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{quote_sheetname(sheet)}!A1")
        link.font = Font(color="0563C1", underline="single")
        link.alignment = _WRAP_TOP
        ws.row_dimensions[row].height = 15 * (1 + len(link.value) // 100)
        row += 1
    row += 1
    nation_text = f", {nation.value}" if kind is FormKind.PUPIL else ""
    ws.cell(
        row=row, column=2, value=f"Form version {FORM_VERSION}{nation_text}."
    ).font = _GUIDE_FONT
    ws.print_area = f"A1:B{row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _protect(ws)


def _about_sheet(wb: Workbook, kind: FormKind, nation: Nation | None) -> _Lists:
    ws = wb.create_sheet(ABOUT_SHEET)
    ws.sheet_state = "hidden"
    rows = [
        (KIND_NAME, kind.value),
        (VERSION_NAME, FORM_VERSION),
        (NATION_NAME, nation.value if nation else ""),
    ]
    for number, (name, value) in enumerate(rows, start=1):
        ws.cell(row=number, column=1, value=name)
        cell = ws.cell(row=number, column=2, value=value)
        cell.number_format = _TEXT_FORMAT
        _define(ws, name, cell)
    ws.cell(row=5, column=1, value="Written by `ihp form` from the plan model. Do not edit.")
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 12
    _protect(ws)
    wb.custom_doc_props.append(StringProperty(name=KIND_PROPERTY, value=kind.value))
    wb.custom_doc_props.append(StringProperty(name=VERSION_PROPERTY, value=FORM_VERSION))
    wb.custom_doc_props.append(
        StringProperty(name=NATION_PROPERTY, value=nation.value if nation else "")
    )
    return _Lists(ws, nation=nation or Nation.ENGLAND)


def _new_workbook(title: str) -> Workbook:
    wb = Workbook()
    wb.properties.creator = "ihp form"
    wb.properties.lastModifiedBy = "ihp form"
    wb.properties.title = title
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def save_workbook(wb: Workbook, path: Path) -> Path:
    """Save atomically with fixed zip and document timestamps, so unchanged forms keep the
    same bytes (and regenerating them does not show as a change in git)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    temporary = path.with_name(f".{path.name}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                content = source.read(item.filename)
                if item.filename == "docProps/core.xml":
                    content = _MODIFIED.sub(
                        rb"<dcterms:modified\1>" + stamp + rb"</dcterms:modified>", content
                    )
                info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                target.writestr(info, content)
        temporary.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise OutputError(
            f"could not write {path}: {error.strerror or error}",
            "choose a folder you can write to (ihp form -o FOLDER)",
        ) from error
    return path


def write_pupil_form(path: Path, nation: Nation = Nation.ENGLAND) -> Path:
    """Write the blank pupil intake workbook; the IDP sheet only on the Wales form."""
    pupil = "learner" if nation is Nation.WALES else "pupil"
    wb = _new_workbook(f"Individual Healthcare Plan: {pupil} intake form")
    sections = {
        key: section for key, section in SECTIONS.items() if key != "idp" or nation is Nation.WALES
    }
    start_sheets = [
        (reword(section.sheet, nation), reword(section.intro, nation))
        for section in sections.values()
    ]
    _start_sheet(wb, FormKind.PUPIL, nation, start_sheets)
    lists = _about_sheet(wb, FormKind.PUPIL, nation)
    for key, section in sections.items():
        _write_section_sheet(wb, key, section, lists, nation)
    wb.move_sheet(ABOUT_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(ABOUT_SHEET))
    wb.active = 0
    return save_workbook(wb, path)


def write_school_form(path: Path) -> Path:
    """Write the blank school details workbook, filled in once per school."""
    wb = _new_workbook("School details for Individual Healthcare Plans")
    _start_sheet(wb, FormKind.SCHOOL, Nation.ENGLAND, [(School.sheet, School.intro)])
    lists = _about_sheet(wb, FormKind.SCHOOL, None)
    _write_section_sheet(wb, "school", School, lists)
    wb.move_sheet(ABOUT_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(ABOUT_SHEET))
    wb.active = 0
    return save_workbook(wb, path)


def write_forms(directory: Path) -> list[Path]:
    """Write all three blank forms (England, Wales, school details) into one folder."""
    return [
        write_pupil_form(directory / PUPIL_FORM, Nation.ENGLAND),
        write_pupil_form(directory / WALES_FORM, Nation.WALES),
        write_school_form(directory / SCHOOL_FORM),
    ]


# --------------------------------------------------------------------------------------------
# Filling a form programmatically (samples and tests), by the same names the reader uses.


def _excel_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Enum):
        return str(value.value)
    return value


def fill_form(
    form: Path,
    dest: Path,
    fields: Mapping[str, Any],
    tables: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Path:
    """Copy a blank form to `dest`, filling single fields by defined name and tables by name.

    Table rows are keyed by field name (`{"name": ..., "mobile": ...}`). A table with more rows
    than the form's blank rows grows into the free rows below it, as Excel would.
    """
    wb = load_workbook(form)
    for name, value in fields.items():
        if name not in wb.defined_names:
            raise KeyError(f"the form has no box named {name}")
        ((sheet, coordinate),) = list(wb.defined_names[name].destinations)
        wb[sheet.replace("''", "'")][coordinate.replace("$", "")].value = _excel_value(value)
    tables_by_name = {
        table.displayName: (ws, table) for ws in wb.worksheets for table in ws.tables.values()
    }
    for table_name, rows in (tables or {}).items():
        ws, table = tables_by_name[table_name]
        _fill_table(ws, table, rows)
    wb.properties.modified = FIXED_TIME
    return save_workbook(wb, dest)


def _check_free(
    ws: Worksheet, table: Table, min_col: int, max_col: int, first_row: int, last_row: int
) -> None:
    """A table may only grow into empty rows that belong to no other table."""
    for other in ws.tables.values():
        if other is table:
            continue
        o_min_col, o_min_row, o_max_col, o_max_row = range_boundaries(other.ref)
        if (
            o_min_row <= last_row
            and o_max_row >= first_row
            and o_min_col <= max_col
            and o_max_col >= min_col
        ):
            raise ValueError(
                f"table {table.displayName} cannot grow into table {other.displayName}"
            )
    for row in range(first_row, last_row + 1):
        for column in range(min_col, max_col + 1):
            if ws.cell(row=row, column=column).value not in (None, ""):
                raise ValueError(f"table {table.displayName} cannot grow over {ws.title} row {row}")


def _fill_table(ws: Worksheet, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    headers = [
        str(ws.cell(row=min_row, column=column).value).rstrip(" *")
        for column in range(min_col, max_col + 1)
    ]
    sections: list[type[Section]] = [*SECTIONS.values(), School]
    row_model = next(
        row
        for section in sections
        for row in table_fields(section).values()
        if row.table == table.displayName
    )
    titles = {label_of(field, name): name for name, field in row_model.model_fields.items()}
    columns = {
        titles[header]: min_col + offset
        for offset, header in enumerate(headers)
        if header in titles
    }
    needed = min_row + len(rows)
    if needed > max_row:
        _check_free(ws, table, min_col, max_col, max_row + 1, needed)
        for column in range(min_col, max_col + 1):
            for sheet_row in range(max_row + 1, needed + 1):
                ws.cell(row=sheet_row, column=column).border = _BOX
        table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{needed}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
    for index, row_values in enumerate(rows):
        sheet_row = min_row + 1 + index
        for name, value in row_values.items():
            ws.cell(row=sheet_row, column=columns[name]).value = _excel_value(value)
