"""The blank forms: generated from the model, guided, protected, and equal to the committed ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.cli import cli
from pipeline.errors import ExitCode
from pipeline.form import (
    ABOUT_SHEET,
    EXTRA_ROWS,
    PUPIL_FORM,
    SCHOOL_FORM,
    START_SHEET,
    WALES_FORM,
    enum_of,
    input_kind,
    write_pupil_form,
)
from pipeline.model import (
    FORM_VERSION,
    SECTIONS,
    Nation,
    School,
    defined_name,
    single_fields,
    table_fields,
)
from pipeline.wording import reword

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def england(blank_forms: dict[str, Path]) -> Workbook:
    return load_workbook(blank_forms["england"])


@pytest.fixture(scope="module")
def wales(blank_forms: dict[str, Path]) -> Workbook:
    return load_workbook(blank_forms["wales"])


@pytest.fixture(scope="module")
def school(blank_forms: dict[str, Path]) -> Workbook:
    return load_workbook(blank_forms["school"])


def _cell(wb: Workbook, name: str) -> tuple[Worksheet, str]:
    ((sheet, coordinate),) = list(wb.defined_names[name].destinations)
    return wb[sheet.replace("''", "'")], coordinate.replace("$", "")


def _validations_at(ws: Worksheet, coordinate: str) -> list[DataValidation]:
    return [v for v in ws.data_validations.dataValidation if coordinate in v.sqref]


def _list_values(wb: Workbook, formula: str) -> list[str]:
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, cells = formula.split("!")
    ws = wb[sheet.strip("'")]
    return [cell.value for (cell,) in ws[cells.replace("$", "")]]


def _tables(wb: Workbook) -> dict[str, tuple[Worksheet, Any]]:
    return {t.displayName: (ws, t) for ws in wb.worksheets for t in ws.tables.values()}


# Sheets and guidance ------------------------------------------------------------------------


def test_sheets_follow_the_model_in_meeting_order(england: Workbook, wales: Workbook) -> None:
    sections = [section.sheet for key, section in SECTIONS.items() if key != "idp"]
    assert england.sheetnames == [START_SHEET, *sections, ABOUT_SHEET]
    in_wales = [reword(sheet, Nation.WALES) for sheet in [*sections, SECTIONS["idp"].sheet]]
    assert wales.sheetnames == [START_SHEET, *in_wales, ABOUT_SHEET]  # Learner, Learner's voice
    assert england[ABOUT_SHEET].sheet_state == "hidden"
    assert england.active.title == START_SHEET


def test_each_section_sheet_opens_with_its_intro(england: Workbook) -> None:
    for key, section in SECTIONS.items():
        if key == "idp":
            continue
        ws = england[section.sheet]
        assert ws["A1"].value == section.sheet
        assert ws["A2"].value == section.intro


def _start_text(wb: Workbook) -> str:
    return "\n".join(str(c.value) for row in wb[START_SHEET].iter_rows() for c in row if c.value)


def test_start_here_explains_the_flow(england: Workbook) -> None:
    text = _start_text(england)
    for needed in (
        "one copy of this workbook per pupil",
        "school.xlsx in the same folder",
        "type in the row just below the table",
        "marked * must be filled in",
        "ihp check",
        f"Form version {FORM_VERSION}",
    ):
        assert needed in text
    assert "learner" not in text


def test_wales_form_speaks_of_learners_and_has_the_idp_sheet(wales: Workbook) -> None:
    text = _start_text(wales)
    assert "one copy of this workbook per learner" in text and "IDP health" in text
    assert "IdpNeeds" in _tables(wales)


def test_start_here_links_to_every_sheet(england: Workbook) -> None:
    links = [
        cell.hyperlink.location or cell.hyperlink.target
        for row in england[START_SHEET].iter_rows()
        for cell in row
        if cell.hyperlink
    ]
    for key, section in SECTIONS.items():
        if key != "idp":
            assert any(section.sheet in str(link).replace("''", "'") for link in links)


# Names, labels and inputs -----------------------------------------------------------------


def _single_fields(include_idp: bool = False) -> list[tuple[str, str]]:
    return [
        (key, name)
        for key, section in SECTIONS.items()
        if include_idp or key != "idp"
        for name in single_fields(section)
    ]


def test_every_single_field_is_a_defined_name_beside_its_label(england: Workbook) -> None:
    for key, name in _single_fields():
        field = SECTIONS[key].model_fields[name]
        ws, coordinate = _cell(england, defined_name(key, name))
        assert ws.title == SECTIONS[key].sheet
        label = ws.cell(row=ws[coordinate].row, column=ws[coordinate].column - 1).value
        assert label == field.title + (" *" if field.is_required() else "")


def test_every_input_has_a_prompt_within_excel_limits(england: Workbook, school: Workbook) -> None:
    checked = 0
    for wb, fields in (
        (england, _single_fields()),
        (school, [("school", name) for name in single_fields(School)]),
    ):
        for key, name in fields:
            section = School if key == "school" else SECTIONS[key]
            field = section.model_fields[name]
            ws, coordinate = _cell(wb, defined_name(key, name))
            (validation,) = _validations_at(ws, coordinate)
            assert validation.showInputMessage
            assert validation.promptTitle and len(validation.promptTitle) <= 32
            assert validation.prompt and len(validation.prompt) <= 255
            assert field.description.split(".")[0] in validation.prompt
            assert ("Required." in validation.prompt) == field.is_required()
            checked += 1
    assert checked > 80


def test_drop_downs_for_every_enum_and_yes_no(england: Workbook) -> None:
    seen = set()
    for key, name in _single_fields():
        field = SECTIONS[key].model_fields[name]
        kind = input_kind(field)
        ws, coordinate = _cell(england, defined_name(key, name))
        (validation,) = _validations_at(ws, coordinate)
        if kind == "enum":
            choices = enum_of(field)
            assert validation.type == "list"
            assert _list_values(england, validation.formula1) == [m.value for m in choices]
            seen.add(kind)
        elif kind == "yes_no":
            assert validation.type == "list" and validation.formula1 == '"Yes,No"'
            seen.add(kind)
        elif kind == "date":
            assert validation.type == "date" and ws[coordinate].number_format == "dd/mm/yyyy"
            seen.add(kind)
        elif kind == "int":
            assert validation.type == "whole"
        elif kind in ("phone", "nhs"):
            # Text format keeps the leading 0 of a phone number typed in the cell.
            assert ws[coordinate].number_format == "@"
    assert seen == {"enum", "yes_no", "date"}


def test_defaults_are_prefilled(england: Workbook, school: Workbook) -> None:
    ws, coordinate = _cell(england, "background_linked_plan")
    assert ws[coordinate].value == "None"
    ws, coordinate = _cell(school, "school_reply_days")
    assert ws[coordinate].value == 14
    ws, coordinate = _cell(school, "school_nation")
    assert ws[coordinate].value == "England"


def test_required_boxes_are_marked_and_pink_while_empty(england: Workbook) -> None:
    for key, name in _single_fields():
        field = SECTIONS[key].model_fields[name]
        ws, coordinate = _cell(england, defined_name(key, name))
        rules = [
            rule
            for rng in ws.conditional_formatting
            if coordinate in rng.sqref
            for rule in rng.rules
        ]
        if field.is_required():
            assert rules and f"LEN(TRIM({coordinate}))=0" in rules[0].formula[0]
            assert ws[coordinate].fill.fgColor.rgb.endswith("FFF8E1")
        else:
            assert not rules


# Tables -------------------------------------------------------------------------------------


def test_every_repeating_group_is_a_named_table(england: Workbook) -> None:
    tables = _tables(england)
    for key, section in SECTIONS.items():
        for row_model in table_fields(section).values():
            if key == "idp":
                assert row_model.table not in tables
                continue
            ws, table = tables[row_model.table]
            assert ws.title == section.sheet
            min_col, min_row, max_col, max_row = range_boundaries(table.ref)
            headers = [ws.cell(row=min_row, column=c).value for c in range(min_col, max_col + 1)]
            expected = [
                field.title + (" *" if field.is_required() else "")
                for field in row_model.model_fields.values()
            ]
            assert headers == expected
            assert [c.name for c in table.tableColumns] == expected
            assert max_row - min_row == row_model.blank_rows
            for row in ws.iter_rows(
                min_row=min_row + 1, max_row=max_row, min_col=min_col, max_col=max_col
            ):
                assert all(cell.value is None and cell.protection.locked is False for cell in row)


def test_table_columns_keep_drop_downs_for_added_rows(england: Workbook) -> None:
    ws, table = _tables(england)["Medicines"]
    min_col, min_row, _, max_row = range_boundaries(table.ref)
    route_column = min_col + 2  # "How it is given"
    letter = ws.cell(row=min_row, column=route_column).column_letter
    below = f"{letter}{max_row + EXTRA_ROWS}"
    (validation,) = _validations_at(ws, below)
    assert validation.type == "list" and "Inhaled" in _list_values(england, validation.formula1)
    assert ws[below].protection.locked is False
    # and a table with another table under it keeps drop-downs in its spare rows too
    ws, family = _tables(england)["FamilyContacts"]
    _, _, _, family_end = range_boundaries(family.ref)
    assert _validations_at(ws, f"G{family_end + 1}")


def test_required_table_cells_turn_pink_once_a_row_is_started(england: Workbook) -> None:
    ws, _ = _tables(england)["FamilyContacts"]
    formulas = [
        rule.formula[0]
        for rng in ws.conditional_formatting
        if "A11" in rng.sqref
        for rule in rng.rules
    ]
    assert formulas == ["AND(COUNTA($A11:$G11)>0,LEN(TRIM(A11))=0)"]


# Protection, layout, identity ---------------------------------------------------------------


def test_sheets_are_protected_without_a_password_and_inputs_unlocked(england: Workbook) -> None:
    for ws in england.worksheets:
        assert ws.protection.sheet is True
        assert not ws.protection.password
        assert ws.protection.formatCells is False  # a school may restyle
        assert ws.protection.insertRows is False
    ws, coordinate = _cell(england, "pupil_legal_name")
    assert ws[coordinate].protection.locked is False
    assert ws["A5"].protection.locked is not False  # the label
    assert ws["A1"].protection.locked is not False


def test_layout_widths_wrapping_and_print_setup(england: Workbook) -> None:
    ws = england["Daily care"]
    assert ws.column_dimensions["A"].width >= 30 and ws.column_dimensions["B"].width >= 40
    _, coordinate = _cell(england, "daily_care_daily_care")
    assert ws[coordinate].alignment.wrap_text
    assert ws.row_dimensions[ws[coordinate].row].height >= 60  # long text gets a tall row
    assert ws.print_area and ws.print_title_rows == "$1:$2"
    assert england["Medicines"].page_setup.orientation == "landscape"


@pytest.mark.parametrize(
    ("form", "kind", "nation"),
    [("england", "pupil", "England"), ("wales", "pupil", "Wales"), ("school", "school", "")],
)
def test_form_kind_and_version_are_stored(
    blank_forms: dict[str, Path], form: str, kind: str, nation: str
) -> None:
    wb = load_workbook(blank_forms[form])
    values = {}
    for name in ("form_kind", "form_version", "form_nation"):
        ws, coordinate = _cell(wb, name)
        assert ws.title == ABOUT_SHEET
        values[name] = ws[coordinate].value or ""
    assert values == {"form_kind": kind, "form_version": FORM_VERSION, "form_nation": nation}
    properties = {p.name: p.value for p in wb.custom_doc_props.props}
    assert properties["ihp_form_kind"] == kind
    assert properties["ihp_form_version"] == FORM_VERSION


def test_school_form_has_only_the_school_sheet(school: Workbook) -> None:
    assert school.sheetnames == [START_SHEET, School.sheet, ABOUT_SHEET]
    names = {n for n in school.defined_names if not n.startswith("form_")}
    assert names == {defined_name("school", name) for name in single_fields(School)}
    assert "once" in _start_text(school)


# Determinism and the committed forms --------------------------------------------------------


def test_the_generator_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    first = write_pupil_form(tmp_path / "a.xlsx", Nation.WALES).read_bytes()
    second = write_pupil_form(tmp_path / "b.xlsx", Nation.WALES).read_bytes()
    assert first == second


@pytest.mark.parametrize(
    ("committed", "fresh"),
    [(PUPIL_FORM, "england"), (WALES_FORM, "wales"), (SCHOOL_FORM, "school")],
)
def test_committed_forms_equal_what_the_generator_writes_now(
    blank_forms: dict[str, Path],
    describe: Callable[[Path], dict[str, Any]],
    committed: str,
    fresh: str,
) -> None:
    """If this fails, the model changed: run `ihp form` and commit forms/ (and bump
    FORM_VERSION if a field was added, renamed or removed)."""
    assert describe(ROOT / "forms" / committed) == describe(blank_forms[fresh])


def test_ihp_form_writes_all_three(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["form", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [PUPIL_FORM, WALES_FORM, SCHOOL_FORM]
    )
    assert "Wrote" in result.output


def test_an_unwritable_folder_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["form", "-o", str(blocker / "forms")])
    assert result.exit_code == ExitCode.OUTPUT_FAILED
    assert "could not write" in result.output and "Traceback" not in result.output
