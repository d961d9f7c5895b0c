"""Reading workbooks by defined names and tables only: layouts a school changed, what Excel
really stores, files that are not ours, and never touching the file."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

from pipeline.form import FormKind, label_of, save_workbook
from pipeline.intake import form_identity, read_school, read_workbook, workbooks_in
from pipeline.model import (
    FORM_VERSION,
    SECTIONS,
    Medicine,
    Nation,
    School,
    single_fields,
    table_fields,
)
from pipeline.validate import check_intake

# Edits a school (or Excel) makes, done the way Excel does them: names and tables follow.


def _names_on(wb: Workbook, sheet: str) -> dict[str, tuple[int, int]]:
    found = {}
    for name, defined in wb.defined_names.items():
        for where, cells in defined.destinations:
            if where.replace("''", "'") == sheet:
                column, row = coordinate_from_string(cells.replace("$", "").split(":")[0])
                found[name] = (row, _column_index(column))
    return found


def _column_index(letter: str) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(letter)


def _point(wb: Workbook, name: str, sheet: str, row: int, column: int) -> None:
    target = f"{quote_sheetname(sheet)}!${get_column_letter(column)}${row}"
    wb.defined_names[name] = DefinedName(name, attr_text=target)


def _set_ref(table: Table, min_col: int, min_row: int, max_col: int, max_row: int) -> None:
    table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref


def insert_rows(wb: Workbook, sheet: str, at: int, count: int) -> None:
    ws = wb[sheet]
    ws.insert_rows(at, count)
    for name, (row, column) in _names_on(wb, sheet).items():
        if row >= at:
            _point(wb, name, sheet, row + count, column)
    for table in ws.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if min_row >= at:
            _set_ref(table, min_col, min_row + count, max_col, max_row + count)
        elif max_row >= at:
            _set_ref(table, min_col, min_row, max_col, max_row + count)


def insert_columns(wb: Workbook, sheet: str, at: int, count: int) -> None:
    ws = wb[sheet]
    ws.insert_cols(at, count)
    for name, (row, column) in _names_on(wb, sheet).items():
        if column >= at:
            _point(wb, name, sheet, row, column + count)
    for table in ws.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if min_col >= at:
            _set_ref(table, min_col + count, min_row, max_col + count, max_row)


def move_block(wb: Workbook, sheet: str, block: str, rows: int, cols: int) -> None:
    ws = wb[sheet]
    min_col, min_row, max_col, max_row = range_boundaries(block)
    ws.move_range(block, rows=rows, cols=cols)
    for name, (row, column) in _names_on(wb, sheet).items():
        if min_row <= row <= max_row and min_col <= column <= max_col:
            _point(wb, name, sheet, row + rows, column + cols)
    for table in ws.tables.values():
        t_min_col, t_min_row, t_max_col, t_max_row = range_boundaries(table.ref)
        if (
            min_row <= t_min_row
            and t_max_row <= max_row
            and min_col <= t_min_col
            and t_max_col <= max_col
        ):
            _set_ref(table, t_min_col + cols, t_min_row + rows, t_max_col + cols, t_max_row + rows)


def rename_sheet(wb: Workbook, old: str, new: str) -> None:
    names = _names_on(wb, old)
    wb[old].title = new
    for name, (row, column) in names.items():
        _point(wb, name, new, row, column)


def _edit(path: Path, change: Callable[[Workbook], None]) -> Path:
    wb = load_workbook(path)
    change(wb)
    save_workbook(wb, path)
    return path


@pytest.fixture
def amelia(tmp_path: Path, write_pupil: Callable[..., Path]) -> Path:
    return write_pupil(tmp_path / "amelia.xlsx")


@pytest.fixture
def reference(amelia: Path, write_school: Callable[..., Path], tmp_path: Path) -> dict[str, Any]:
    """The plan read from the untouched form: what every changed layout must still give."""
    school = write_school(tmp_path / "school.xlsx")
    intake = check_intake(amelia, school_file=school, today=date(2026, 11, 24))
    (checked,) = intake.pupils
    assert checked.ok, checked.problems
    return checked.plan.model_dump()


def _plan_of(path: Path, school: Path) -> dict[str, Any]:
    (checked,) = check_intake(path, school_file=school, today=date(2026, 11, 24)).pupils
    assert checked.ok, [str(p) for p in checked.errors]
    return checked.plan.model_dump()


# Reading the form as written ---------------------------------------------------------------


def test_reads_values_with_their_cells(amelia: Path) -> None:
    raw = read_workbook(amelia)
    assert raw.problems == [] and raw.kind is FormKind.PUPIL and raw.version == FORM_VERSION
    name = raw.sections["pupil"].fields["legal_name"]
    assert (name.value, name.ref) == ("Amelia Rose Hart", "Pupil!B5")
    assert raw.sections["pupil"].fields["date_of_birth"].value == datetime(2018, 6, 14)
    family = raw.sections["contacts"].tables["family"]
    assert [row.cells["name"].value for row in family.rows] == ["Rachel Hart", "Simon Hart"]
    assert family.rows[1].cells["mobile"].ref == "Contacts!C12"
    assert raw.sections["voice"].sheet == "Pupil's voice"
    # the England form has no IDP sheet: its table is simply absent
    assert raw.sections["idp"].missing == ["needs"]


def test_reading_never_modifies_the_file(amelia: Path, write_school: Callable[..., Path]) -> None:
    write_school(amelia.parent / "school.xlsx")
    old = time.time() - 3600
    os.utime(amelia, (old, old))
    before = (amelia.read_bytes(), amelia.stat().st_mtime_ns)
    read_workbook(amelia)
    form_identity(amelia)
    check_intake(amelia.parent)
    assert (amelia.read_bytes(), amelia.stat().st_mtime_ns) == before


def test_wales_form_reads_the_idp_table(tmp_path: Path, write_pupil: Callable[..., Path]) -> None:
    def add_need(fields: dict, tables: dict) -> None:
        tables["IdpNeeds"] = [
            {
                "area": "Safety plan",
                "need": "Supervision near water",
                "status": "Health advice pending",
                "advice_requested": date(2026, 10, 1),
            }
        ]

    path = write_pupil(tmp_path / "wales.xlsx", change=add_need, nation=Nation.WALES)
    raw = read_workbook(path)
    assert raw.nation is Nation.WALES
    (need,) = raw.sections["idp"].tables["needs"].rows
    assert need.cells["need"].value == "Supervision near water"


# Layouts a school changed -----------------------------------------------------------------


def test_inserted_rows_and_columns_do_not_break_reading(
    amelia: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    def change(wb: Workbook) -> None:
        insert_rows(wb, "Pupil", 1, 3)  # a school logo and heading at the top
        insert_rows(wb, "Medicines", 2, 5)
        insert_rows(wb, "Contacts", 12, 1)  # a row inserted inside the family table
        insert_columns(wb, "Contacts", 1, 2)
        insert_columns(wb, "Agreement", 1, 1)

    _edit(amelia, change)
    raw = read_workbook(amelia)
    assert raw.sections["pupil"].fields["legal_name"].ref == "Pupil!B8"
    assert raw.sections["contacts"].tables["family"].rows[0].cells["name"].ref == "Contacts!C11"
    assert raw.sections["contacts"].tables["family"].rows[1].number == 3  # blank row between
    assert _plan_of(amelia, tmp_path / "school.xlsx") == reference


def test_moved_blocks_are_found_by_name(
    amelia: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    def change(wb: Workbook) -> None:
        ws = wb["Medicines"]
        (table,) = ws.tables.values()
        move_block(wb, "Medicines", table.ref, 30, 2)  # the medicines table moved down and right
        move_block(wb, "Pupil", "A7:C7", 20, 4)  # the date of birth moved away from the others
        move_block(wb, "Agreement", "A5:C14", 0, 5)

    _edit(amelia, change)
    raw = read_workbook(amelia)
    assert raw.sections["pupil"].fields["date_of_birth"].ref == "Pupil!F27"
    assert (
        raw.sections["medicines"].tables["medicines"].rows[0].cells["name"].ref == "Medicines!C41"
    )
    assert raw.problems == []
    assert _plan_of(amelia, tmp_path / "school.xlsx") == reference


def test_restyled_and_renamed_sheets_still_read(
    amelia: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    def change(wb: Workbook) -> None:
        for ws in wb.worksheets:
            ws.protection.sheet = False
            for row in ws.iter_rows():
                for cell in row:
                    cell.font = Font(name="Comic Sans MS", size=14, color="7030A0")
                    cell.fill = PatternFill("solid", start_color="E2EFDA", end_color="E2EFDA")
            ws.column_dimensions["A"].width = 12
        rename_sheet(wb, "Pupil", "About the child")
        wb.move_sheet("Agreement", offset=-10)

    _edit(amelia, change)
    raw = read_workbook(amelia)
    assert raw.sections["pupil"].fields["legal_name"].ref == "About the child!B5"
    assert _plan_of(amelia, tmp_path / "school.xlsx") == reference


def test_a_school_built_layout_with_reordered_columns_reads_the_same(
    tmp_path: Path, reference: dict[str, Any], make_samples: Any
) -> None:
    """Everything on one plain sheet, backwards, tables' columns reversed and headings in
    another case: only the names and table headings matter."""
    sample = make_samples.amelia()
    sample.fields["pupil_photo"] = sample.fields["pupil_photo_consent"] = None
    wb = Workbook()
    ws = wb.active
    ws.title = "Our layout"
    row = 1
    for name, value in reversed(list(sample.fields.items())):
        ws.cell(row=row, column=4, value=name)
        if value is not None:
            ws.cell(
                row=row,
                column=5,
                value="Yes" if value is True else "No" if value is False else value,
            )
        _point(wb, name, "Our layout", row, 5)
        row += 1
    for section in SECTIONS.values():
        for row_model in table_fields(section).values():
            rows = sample.tables.get(row_model.table, [])
            columns = list(reversed(row_model.model_fields.items()))
            row += 2
            for offset, (name, field) in enumerate(columns, start=1):
                ws.cell(row=row, column=offset, value=label_of(field, name).upper())
                for index, values in enumerate(rows, start=1):
                    value = values.get(name)
                    value = "Yes" if value is True else "No" if value is False else value
                    ws.cell(row=row + index, column=offset, value=value)
            last = row + max(len(rows), 1)
            ws.add_table(
                Table(
                    displayName=row_model.table,
                    ref=f"A{row}:{get_column_letter(len(columns))}{last}",
                )
            )
            row = last + 1
    for name, value in (("form_kind", "pupil"), ("form_version", FORM_VERSION)):
        row += 1
        ws.cell(row=row, column=1, value=value)
        _point(wb, name, "Our layout", row, 1)
    path = save_workbook(wb, tmp_path / "own-layout.xlsx")
    assert _plan_of(path, tmp_path / "school.xlsx") == reference


# What Excel really stores ------------------------------------------------------------------


def test_text_dates_numbers_as_text_spaces_blank_rows_and_lost_zeros(
    tmp_path: Path, write_pupil: Callable[..., Path], write_school: Callable[..., Path]
) -> None:
    def change(fields: dict, tables: dict) -> None:
        fields["pupil_date_of_birth"] = "14/06/2018"  # typed as text, the UK way
        fields["agreement_plan_date"] = "14/9/2026"
        fields["agreement_review_date"] = "9 July 2027"
        fields["pupil_legal_name"] = "  Amelia Rose Hart   "
        fields["pupil_year_group"] = 3  # a number in a text box
        fields["conditions_epilepsy_rescue_after_minutes"] = " 5 "  # a number stored as text
        fields["conditions_diabetes_hypo_below"] = "4.0"
        fields["background_trigger"] = "newly diagnosed "  # drop-down value retyped
        family = tables["FamilyContacts"]
        family[0]["mobile"] = 7700900101  # typed as a number: Excel dropped the 0
        tables["FamilyContacts"] = [family[0], {}, {}, family[1]]  # blank rows between
        tables["Medicines"][0]["expiry"] = 46630.0  # a serial date from a pasted cell

    path = write_pupil(tmp_path / "amelia.xlsx", change=change)
    school = write_school(tmp_path / "school.xlsx")
    (checked,) = check_intake(path, school_file=school, today=date(2026, 11, 24)).pupils
    assert checked.ok, [str(p) for p in checked.errors]
    plan = checked.plan
    assert plan.pupil.date_of_birth == date(2018, 6, 14)
    assert plan.agreement.plan_date == date(2026, 9, 14)
    assert plan.agreement.review_date == date(2027, 7, 9)
    assert plan.pupil.legal_name == "Amelia Rose Hart"
    assert plan.pupil.year_group == "3"
    assert plan.conditions.epilepsy_rescue_after_minutes == 5
    assert plan.conditions.diabetes_hypo_below == 4.0
    assert plan.background.trigger.value == "Newly diagnosed"
    assert [c.name for c in plan.contacts.family] == ["Rachel Hart", "Simon Hart"]
    assert plan.contacts.family[0].mobile == "07700 900101"
    assert plan.medicines.medicines[0].expiry == date(2027, 8, 31)


def test_missing_optional_names_are_fine(
    amelia: Path, write_school: Callable[..., Path], tmp_path: Path
) -> None:
    def change(wb: Workbook) -> None:
        del wb.defined_names["pupil_class_name"]
        del wb.defined_names["voice_what_worries_me"]
        wb["Attendance"].tables.pop("Appointments")

    _edit(amelia, change)
    raw = read_workbook(amelia)
    assert {"class_name"} <= set(raw.sections["pupil"].missing)
    school = write_school(tmp_path / "school.xlsx")
    (checked,) = check_intake(amelia, school_file=school, today=date(2026, 11, 24)).pupils
    assert checked.ok
    assert checked.plan.pupil.class_name is None
    assert checked.plan.attendance.appointments == []


def test_a_deleted_required_name_is_a_clear_problem(
    amelia: Path, write_school: Callable[..., Path], tmp_path: Path
) -> None:
    _edit(amelia, lambda wb: wb.defined_names.pop("pupil_date_of_birth"))
    school = write_school(tmp_path / "school.xlsx")
    (checked,) = check_intake(amelia, school_file=school, today=date(2026, 11, 24)).pupils
    (problem,) = checked.errors
    assert problem.field == "Date of birth" and problem.sheet == "Pupil"
    assert "no box for 'Date of birth'" in problem.message
    assert "fresh copy of the form" in problem.hint


def test_table_columns_are_matched_by_heading(amelia: Path) -> None:
    def change(wb: Workbook) -> None:
        ws = wb["Medicines"]
        ws["A10"], ws["B10"] = "dose", "MEDICINE *"  # headings swapped (and cased)
        ws["A11"], ws["B11"] = ws["B11"].value, ws["A11"].value
        ws["C10"] = "Route (our words)"  # a renamed required column
        ws.tables["Medicines"].tableColumns[2].name = "Route (our words)"

    _edit(amelia, change)
    raw = read_workbook(amelia)
    (row,) = raw.sections["medicines"].tables["medicines"].rows
    assert (
        row.cells["name"].value.startswith("Salbutamol")
        and row.cells["name"].ref == "Medicines!B11"
    )
    (problem,) = raw.problems
    assert problem.cell == "A10" and "has no 'How it is given' column" in problem.message


def test_text_typed_just_below_a_table_is_not_silently_lost(amelia: Path) -> None:
    def change(wb: Workbook) -> None:
        ws = wb["Medicines"]
        _, _, _, last = range_boundaries(ws.tables["Medicines"].ref)
        ws.cell(row=last + 1, column=2, value="2 puffs")

    _edit(amelia, change)
    (problem,) = read_workbook(amelia).problems
    assert (problem.sheet, problem.cell) == ("Medicines", f"B{10 + Medicine.blank_rows + 1}")
    assert "outside the table" in problem.message and "Resize Table" in problem.hint


# Files that are not ours --------------------------------------------------------------------


def test_only_workbooks_are_read_from_a_folder(tmp_path: Path, amelia: Path) -> None:
    (tmp_path / "~$amelia.xlsx").write_bytes(b"lock file")
    (tmp_path / ".~lock.amelia.xlsx#").write_text("lock")
    (tmp_path / "notes.txt").write_text("meeting notes")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG")
    (tmp_path / "sub").mkdir()
    assert workbooks_in(tmp_path) == [amelia]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "this file is empty"),
        (b"not a zip at all", "not an Excel workbook: it holds plain text"),
        (b"PK\x03\x04 truncated zip", "damaged or incomplete"),
        (b"\xd0\xcf\x11\xe0 ole", "this file is not an Excel workbook"),
    ],
)
def test_unreadable_files_become_a_problem(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    raw = read_workbook(path)
    (problem,) = raw.problems
    assert raw.refused and problem.file == "broken.xlsx"
    assert message in problem.message
    assert form_identity(path) is None


def test_a_workbook_that_is_not_a_form_is_refused(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active["A1"] = "Class list"
    path = save_workbook(wb, tmp_path / "class-list.xlsx")
    (problem,) = read_workbook(path).problems
    assert "not an Individual Healthcare Plan intake form" in problem.message
    assert "forms/ihp-intake.xlsx" in problem.hint


def test_another_form_version_is_refused(amelia: Path) -> None:
    def change(wb: Workbook) -> None:
        ((sheet, cell),) = list(wb.defined_names["form_version"].destinations)
        wb[sheet][cell.replace("$", "")] = "0.3"

    _edit(amelia, change)
    raw = read_workbook(amelia)
    (problem,) = raw.problems
    assert raw.refused and "version 0.3 of the intake form" in problem.message


def test_identity_falls_back_to_document_properties(amelia: Path) -> None:
    def change(wb: Workbook) -> None:
        for name in ("form_kind", "form_version", "form_nation"):
            del wb.defined_names[name]

    _edit(amelia, change)
    identity = form_identity(amelia)
    assert identity is not None and identity.kind is FormKind.PUPIL
    assert read_workbook(amelia).problems == []


def test_identity_of_each_form(blank_forms: dict[str, Path], tmp_path: Path) -> None:
    assert form_identity(blank_forms["school"]).kind is FormKind.SCHOOL
    wales = form_identity(blank_forms["wales"])
    assert (wales.kind, wales.nation) == (FormKind.PUPIL, Nation.WALES)
    wb = Workbook()
    wb.custom_doc_props.append(StringProperty(name="ihp_form_kind", value="invoice"))
    assert form_identity(save_workbook(wb, tmp_path / "other.xlsx")) is None


def test_read_school_refuses_a_pupil_workbook(amelia: Path) -> None:
    raw = read_school(amelia)
    (problem,) = raw.problems
    assert raw.refused and "not the school details" in problem.message


def test_school_workbook_read_by_its_names(
    tmp_path: Path, write_school: Callable[..., Path]
) -> None:
    raw = read_school(write_school(tmp_path / "school.xlsx"))
    fields = raw.sections["school"].fields
    assert set(fields) == set(single_fields(School))
    assert fields["postcode"].value == "LS16 9ZX" and fields["postcode"].ref == "School!B8"
    assert raw.kind is FormKind.SCHOOL and raw.sections["school"].missing == []


def test_a_workbook_gone_before_it_is_read_is_said_plainly(tmp_path: Path) -> None:
    raw = read_workbook(tmp_path / "gone.xlsx")
    (problem,) = raw.problems
    assert raw.refused and "moved or deleted while ihp was reading it" in problem.message


def test_empty_styled_cells_are_left_out_only_in_the_copy_read(amelia: Path) -> None:
    """Reading skips the blank form's thousands of empty styled cells, and nothing else."""
    import io
    import zipfile

    from pipeline.intake import _without_empty_cells

    content = amelia.read_bytes()
    slim = _without_empty_cells(content)
    full, lean = load_workbook(io.BytesIO(content)), load_workbook(io.BytesIO(slim))
    for sheet in full.worksheets:

        def filled(ws: Any) -> dict[str, Any]:
            return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value}

        assert filled(sheet) == filled(lean[sheet.title])
        assert set(map(str, sheet.merged_cells.ranges)) == set(
            map(str, lean[sheet.title].merged_cells.ranges)
        )
        assert set(sheet.tables) == set(lean[sheet.title].tables)
    assert set(full.defined_names) == set(lean.defined_names)
    with zipfile.ZipFile(io.BytesIO(content)) as before, zipfile.ZipFile(io.BytesIO(slim)) as after:
        assert before.namelist() == after.namelist()
        sheets = [name for name in before.namelist() if name.startswith("xl/worksheets/sheet")]
        assert sum(before.read(name).count(b"<c ") for name in sheets) > 3 * sum(
            after.read(name).count(b"<c ") for name in sheets
        )
    assert amelia.read_bytes() == content
