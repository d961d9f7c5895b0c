"""Validation: every problem at its sheet!cell in one pass, cross-field rules, warnings,
folders with and without school details, and the annotated copy."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.errors import InvalidInputError, OutputError
from pipeline.model import ConditionKind, Nation
from pipeline.problems import Problem, Severity
from pipeline.validate import Checked, annotate_intake, annotate_workbook, check_intake

TODAY = date(2026, 11, 24)


@pytest.fixture
def check(
    tmp_path: Path, write_pupil: Callable[..., Path], write_school: Callable[..., Path]
) -> Callable[..., Checked]:
    """Write one pupil workbook (changed as asked) beside the sample school, and check it."""
    school = write_school(tmp_path / "school.xlsx")

    def run(
        change: Callable[[dict, dict], None] | None = None,
        *,
        sample: str = "amelia",
        today: date = TODAY,
        nation: Nation = Nation.ENGLAND,
    ) -> Checked:
        path = write_pupil(tmp_path / f"{sample}.xlsx", sample, change, nation=nation)
        (checked,) = check_intake(path, school_file=school, today=today).pupils
        return checked

    return run


def _at(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.where, p.severity.value) for p in problems}


def _find(checked: Checked, where: str) -> Problem:
    matches = [p for p in checked.problems if p.where == where]
    assert matches, f"nothing at {where}: {[str(p) for p in checked.problems]}"
    return matches[0]


# A valid workbook --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sample", ["amelia", "oliver", "sofia", "ethan", "priya", "jordan", "noah", "grace"]
)
def test_every_sample_pupil_makes_a_plan(check: Callable[..., Checked], sample: str) -> None:
    checked = check(sample=sample)
    assert checked.ok and checked.errors == [], [str(p) for p in checked.errors]
    assert checked.plan is not None and checked.plan.school.name == "Kirkgate Fields School"


def test_the_plan_holds_normalised_values(check: Callable[..., Checked]) -> None:
    plan = check().plan
    assert plan.pupil_name == "Millie Hart"
    assert plan.pupil.date_of_birth == date(2018, 6, 14)
    assert plan.contacts.family[0].mobile == "07700 900101"
    assert plan.contacts.family[0].parental_responsibility is True
    assert plan.condition_kinds == [ConditionKind.ASTHMA]
    assert plan.medicines.medicines[0].carries_own is False
    assert plan.agreement.is_agreed
    assert plan.form_version == "1.0"


# Every problem in one pass -----------------------------------------------------------------


def test_every_mistake_is_reported_at_its_cell_in_one_pass(check: Callable[..., Checked]) -> None:
    def change(fields: dict, tables: dict) -> None:
        fields["pupil_legal_name"] = None
        fields["pupil_date_of_birth"] = "31/02/2018"
        fields["pupil_nhs_number"] = "943 476 5918"
        fields["background_trigger"] = "Because"
        fields["contacts_emergency_lead"] = "   "
        fields["conditions_diabetes_hypo_below"] = "low"
        fields["conditions_epilepsy_rescue_after_minutes"] = 45
        fields["agreement_review_date"] = date(2026, 1, 1)
        tables["FamilyContacts"][0]["mobile"] = "0770"
        tables["FamilyContacts"][0]["email"] = "not-an-email"
        tables["FamilyContacts"][1].pop("mobile")
        tables["Medicines"].append({**tables["Medicines"][0], "route": "Sniffed", "use": "Often"})
        tables["Medicines"][0]["expiry"] = "soon"
        tables["StaffTraining"][0]["competent"] = "Sort of"

    checked = check(change)
    assert checked.plan is None and not checked.ok
    assert {p.where for p in checked.errors} == {
        "Pupil!B5",
        "Pupil!B7",
        "Pupil!B12",
        "Why now!B5",
        "Contacts!B6",
        "Conditions!B10",
        "Conditions!B17",
        "Agreement!B10",
        "Contacts!C11",
        "Contacts!F11",
        "Contacts!C12",
        "Medicines!C12",
        "Medicines!E12",
        "Medicines!J11",
        "Training!G9",
    }
    assert _find(checked, "Medicines!C12").field == "How it is given (Medicines, row 2)"
    assert _find(checked, "Contacts!C12").message == "Simon Hart has no phone number"
    assert "from 1 to 30" in _find(checked, "Conditions!B17").hint
    assert "more than 0 and up to 20" in _find(checked, "Conditions!B10").hint
    assert "'Sort of' is not Yes or No" in _find(checked, "Training!G9").message


def test_messages_never_show_python_or_pydantic(check: Callable[..., Checked]) -> None:
    def change(fields: dict, tables: dict) -> None:
        fields["pupil_legal_name"] = None
        fields["school_life_identity"] = "x" * 4001
        fields["conditions_diabetes_recheck_minutes"] = 2.5
        tables["Medicines"][0]["use"] = "Sometimes"
        tables["Attendees"][0]["role"] = None

    checked = check(change)
    assert len(checked.errors) == 5
    for problem in checked.errors:
        text = f"{problem.message} {problem.hint} {problem.field}".lower()
        for leak in ("input should", "pydantic", "str_type", "validation error", "[type=", "_"):
            assert leak not in text, problem
        assert problem.hint and problem.sheet and problem.cell


def test_problem_reads_as_one_line() -> None:
    problem = Problem(
        "amelia.xlsx",
        "Pupil",
        "B7",
        "Date of birth",
        "'31/02/2018' is not a date I can read",
        "type the date as day/month/year",
    )
    assert str(problem) == (
        "amelia.xlsx · Pupil!B7 · Date of birth · '31/02/2018' is not a date I can read · "
        "type the date as day/month/year"
    )
    assert problem.severity is Severity.ERROR and problem.to_dict()["severity"] == "error"


# Cross-field rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "message"),
    [
        (date(2026, 9, 14), "is not before the plan date"),
        (date(2027, 1, 1), "is not before the plan date"),
        (date(2025, 6, 1), "makes the pupil 1 on the plan date"),
        (date(2000, 9, 13), "makes the pupil 26 on the plan date"),
    ],
)
def test_date_of_birth_must_fit_a_pupil(
    check: Callable[..., Checked], born: date, message: str
) -> None:
    checked = check(lambda f, t: f.update(pupil_date_of_birth=born))
    (problem,) = checked.errors
    assert problem.where == "Pupil!B7" and message in problem.message


@pytest.mark.parametrize("born", [date(2024, 9, 14), date(2001, 9, 15)])
def test_ages_2_to_25_are_accepted(check: Callable[..., Checked], born: date) -> None:
    assert check(lambda f, t: f.update(pupil_date_of_birth=born)).ok


def test_review_must_follow_the_plan_date(check: Callable[..., Checked]) -> None:
    checked = check(lambda f, t: f.update(agreement_review_date=date(2026, 9, 14)))
    (problem,) = checked.errors
    assert problem.where == "Agreement!B10" and "is not after the plan date" in problem.message


def test_date_checks_still_run_when_the_sheet_has_other_mistakes(
    check: Callable[..., Checked],
) -> None:
    def change(fields: dict, tables: dict) -> None:
        fields["pupil_legal_name"] = None
        fields["pupil_date_of_birth"] = date(2027, 1, 1)
        fields["agreement_written_by"] = None
        fields["agreement_review_date"] = date(2026, 1, 1)

    messages = {p.where: p.message for p in check(change).errors}
    assert "is not before the plan date" in messages["Pupil!B7"]
    assert "is not after the plan date" in messages["Agreement!B10"]
    assert "must be filled in" in messages["Pupil!B5"]


@pytest.mark.parametrize(
    ("kinds", "mart", "steps", "ok"),
    [
        (["Other"], False, [], False),
        (["Other"], False, ["Phone the parents"], True),
        (["Asthma"], False, [], True),  # the condition library has default steps
        (["Asthma"], True, [], False),  # MART/SMART: the defaults do not apply
        (["Asthma", "Other"], False, [], True),
    ],
)
def test_an_emergency_sheet_needs_steps(
    check: Callable[..., Checked], kinds: list[str], mart: bool, steps: list[str], ok: bool
) -> None:
    def change(fields: dict, tables: dict) -> None:
        tables["Conditions"] = [{"kind": kind, "diagnosis": f"{kind} condition"} for kind in kinds]
        tables["EmergencySteps"] = [{"step": step} for step in steps]
        fields["conditions_asthma_mart"] = mart

    checked = check(change)
    assert checked.ok is ok
    if not ok:
        (problem,) = checked.errors
        assert problem.where == "Emergency!A13" and "no emergency steps" in problem.message


def test_no_family_contact_and_no_condition_are_errors(check: Callable[..., Checked]) -> None:
    def change(fields: dict, tables: dict) -> None:
        tables["FamilyContacts"] = []
        tables["Conditions"] = []

    checked = check(change)
    assert {(p.where, p.message.split(":")[0]) for p in checked.errors} == {
        ("Contacts!A11", "there is no family contact"),
        ("Conditions!A23", "no condition is recorded"),
    }


# Warnings ----------------------------------------------------------------------------------


def test_a_clean_plan_has_no_warnings(check: Callable[..., Checked]) -> None:
    assert check().warnings == []


def test_review_date_passed_is_a_warning(check: Callable[..., Checked]) -> None:
    checked = check(today=date(2027, 7, 10))
    assert checked.ok
    (warning,) = [w for w in checked.warnings if w.where == "Agreement!B10"]
    assert "has passed" in warning.message


def test_review_more_than_a_year_on_is_a_warning(check: Callable[..., Checked]) -> None:
    checked = check(lambda f, t: f.update(agreement_review_date=date(2027, 9, 15)))
    assert checked.ok
    (warning,) = checked.warnings
    assert warning.where == "Agreement!B10" and "more than 12 months" in warning.message
    assert "14/09/2027" in warning.hint


@pytest.mark.parametrize(
    ("expiry", "message"),
    [
        (date(2026, 11, 1), "expired on 01/11/2026"),
        (date(2026, 12, 20), "expires on 20/12/2026, within 30 days"),
        (date(2026, 12, 30), None),
    ],
)
def test_medicine_expiry_warnings(
    check: Callable[..., Checked], expiry: date, message: str | None
) -> None:
    def change(fields: dict, tables: dict) -> None:
        tables["Medicines"][0]["expiry"] = expiry

    checked = check(change)
    assert checked.ok
    found = [w for w in checked.warnings if w.where == "Medicines!J11"]
    if message is None:
        assert found == []
    else:
        (warning,) = found
        assert message in warning.message and warning.field == "Expiry date (Medicines, row 1)"


def test_emergency_medicine_needs_someone_trained_and_signed_off(
    check: Callable[..., Checked],
) -> None:
    def untrained(fields: dict, tables: dict) -> None:
        tables["Medicines"][0]["use"] = "Emergency"
        tables["StaffTraining"][0]["competent"] = False

    (warning,) = check(untrained).warnings
    assert warning.where == "Medicines!A11" and "nobody is recorded as trained" in warning.message

    def trained(fields: dict, tables: dict) -> None:
        tables["Medicines"][0]["use"] = "Emergency"

    assert check(trained).warnings == []

    def lapsed(fields: dict, tables: dict) -> None:
        tables["Medicines"][0]["use"] = "Emergency"
        tables["StaffTraining"][0]["renewal_date"] = date(2026, 10, 1)

    assert {w.where for w in check(lapsed).warnings} == {"Medicines!A11", "Training!I9"}


def test_unrelated_training_does_not_count(check: Callable[..., Checked]) -> None:
    def change(fields: dict, tables: dict) -> None:
        tables["Medicines"][0]["use"] = "Emergency"
        tables["StaffTraining"][0]["training"] = "Manual handling"

    (warning,) = check(change).warnings
    assert "Salbutamol" in warning.message


@pytest.mark.parametrize(
    ("use", "route", "warned"),
    [
        ("When needed", "Inhaled", False),  # the sample: her reliever, used when needed
        ("Emergency", "Inhaled", False),
        ("Regular", "Inhaled", True),  # a preventer is not a reliever
        ("When needed", "By mouth", True),  # nor is anything else
    ],
)
def test_asthma_without_a_reliever_recorded_is_a_warning(
    check: Callable[..., Checked], use: str, route: str, warned: bool
) -> None:
    def change(fields: dict, tables: dict) -> None:
        tables["Medicines"][0].update(use=use, route=route, name="Her inhaler")

    checked = check(change)
    assert checked.ok
    found = [w for w in checked.warnings if "reliever" in w.message]
    if not warned:
        assert found == []
        return
    (warning,) = found
    assert warning.where == "Medicines!A11"
    assert "the pupil has asthma, whose emergency steps give a reliever inhaler" in warning.message
    assert "emergency sheet cannot say where it is kept" in warning.message
    assert "add a row for a reliever inhaler" in warning.hint


def test_anaphylaxis_without_an_auto_injector_recorded_is_a_warning(
    check: Callable[..., Checked],
) -> None:
    ethan = check(sample="ethan")
    assert ethan.ok and not [w for w in ethan.warnings if "whose emergency steps" in w.message]

    def no_pens(fields: dict, tables: dict) -> None:
        tables["Medicines"] = [row for row in tables["Medicines"] if "EpiPen" not in row["name"]]

    (warning,) = [w for w in check(no_pens, sample="ethan").warnings if "give an" in w.message]
    assert warning.where.startswith("Medicines!")
    assert "anaphylaxis or severe allergy" in warning.message
    assert "an adrenaline auto-injector" in warning.message


def test_awaiting_healthcare_agreement_is_a_warning(check: Callable[..., Checked]) -> None:
    checked = check(sample="priya")
    assert checked.ok
    (warning,) = checked.warnings
    assert (
        warning.where == "Agreement!B7"
        and "no healthcare professional has agreed" in warning.message
    )


def test_pupils_14_and_over_should_have_their_say(check: Callable[..., Checked]) -> None:
    def silent(fields: dict, tables: dict) -> None:
        for name in ("want_staff_to_know", "how_to_help", "what_worries_me"):
            fields[f"voice_{name}"] = None

    (warning,) = check(silent, sample="jordan").warnings
    assert warning.where == "Pupil's voice!B5" and "the pupil is 15" in warning.message
    assert check(silent).warnings == []  # Amelia is 8


def test_a_named_photo_must_be_beside_the_workbook(check: Callable[..., Checked]) -> None:
    def change(fields: dict, tables: dict) -> None:
        fields["pupil_photo"] = "amelia.jpg"
        fields["pupil_photo_consent"] = True

    (warning,) = check(change).warnings
    assert warning.where == "Pupil!B13" and "no photo file called amelia.jpg" in warning.message


def test_wales_form_with_an_england_school_is_a_warning(check: Callable[..., Checked]) -> None:
    checked = check(nation=Nation.WALES)
    assert checked.ok
    (warning,) = checked.warnings
    assert "Wales form but the school details say England" in warning.message


# Folders -----------------------------------------------------------------------------------


def test_a_folder_is_checked_with_its_school_file(intake_dir: Path) -> None:
    (intake_dir / "notes.docx").write_bytes(b"not a workbook")
    (intake_dir / "~$amelia.xlsx").write_bytes(b"lock")
    intake = check_intake(intake_dir, today=TODAY)
    assert intake.ok and intake.school is not None
    assert intake.school_file == intake_dir / "school.xlsx"
    assert [p.path.name for p in intake.pupils] == ["amelia.xlsx"]


def test_the_school_file_is_found_by_its_kind_not_its_name(intake_dir: Path) -> None:
    (intake_dir / "school.xlsx").rename(intake_dir / "Kirkgate school details.xlsx")
    intake = check_intake(intake_dir, today=TODAY)
    assert intake.ok and intake.school_file.name == "Kirkgate school details.xlsx"


def test_a_single_workbook_finds_the_school_beside_it(intake_dir: Path) -> None:
    intake = check_intake(intake_dir / "amelia.xlsx", today=TODAY)
    assert intake.ok and intake.school_file == intake_dir / "school.xlsx"


def test_missing_school_details_are_one_clear_problem(
    intake_dir: Path, write_pupil: Callable[..., Path]
) -> None:
    (intake_dir / "school.xlsx").unlink()
    write_pupil(intake_dir / "bad.xlsx", change=lambda f, t: f.update(pupil_legal_name=None))
    intake = check_intake(intake_dir, today=TODAY)
    assert not intake.ok and intake.school is None
    (problem,) = intake.school_problems
    assert "no school details workbook" in problem.message and "school.xlsx" in problem.hint
    good, bad = sorted(intake.pupils, key=lambda c: c.path.name)
    assert good.plan is None
    (waiting,) = good.problems  # its own content is fine: it waits for the school details
    assert "until the school details are fixed" in waiting.message and waiting.cell == ""
    assert [p.where for p in bad.errors] == ["Pupil!B5", ""]  # still fully checked


def test_bad_school_details_are_reported_with_their_cells(
    tmp_path: Path, write_school: Callable[..., Path], write_pupil: Callable[..., Path]
) -> None:
    write_school(tmp_path / "school.xlsx", postcode="Leeds", main_phone="12", headteacher=None)
    write_pupil(tmp_path / "amelia.xlsx")
    intake = check_intake(tmp_path, today=TODAY)
    assert not intake.ok and intake.school is None
    assert {p.where for p in intake.school_problems} == {"School!B8", "School!B11", "School!B14"}


def test_two_school_files_need_one_named_school_xlsx(
    intake_dir: Path, write_school: Callable[..., Path]
) -> None:
    write_school(intake_dir / "old school details.xlsx", name="Old name")
    assert check_intake(intake_dir, today=TODAY).school.name == "Kirkgate Fields School"
    (intake_dir / "school.xlsx").rename(intake_dir / "new details.xlsx")
    intake = check_intake(intake_dir, today=TODAY)
    assert (
        not intake.ok
        and "more than one school details workbook" in intake.school_problems[0].message
    )


def test_an_explicit_school_file(tmp_path: Path, intake_dir: Path) -> None:
    elsewhere = tmp_path / "elsewhere.xlsx"
    shutil.move(intake_dir / "school.xlsx", elsewhere)
    intake = check_intake(intake_dir, school_file=elsewhere, today=TODAY)
    assert intake.ok and intake.school_file == elsewhere


def test_one_bad_workbook_never_stops_the_others(intake_dir: Path) -> None:
    (intake_dir / "corrupt.xlsx").write_bytes(b"PK\x03\x04 not really")
    (intake_dir / "empty.xlsx").write_bytes(b"")
    intake = check_intake(intake_dir, today=TODAY)
    by_name = {c.path.name: c for c in intake.pupils}
    assert by_name["amelia.xlsx"].ok
    for name in ("corrupt.xlsx", "empty.xlsx"):
        (problem,) = by_name[name].problems
        assert problem.is_error and "Excel Workbook (.xlsx)" in problem.hint
    assert "empty" in by_name["empty.xlsx"].problems[0].message
    assert "damaged or incomplete" in by_name["corrupt.xlsx"].problems[0].message
    assert not intake.ok


def test_two_workbooks_for_one_pupil_are_an_error(intake_dir: Path) -> None:
    shutil.copy(intake_dir / "amelia.xlsx", intake_dir / "amelia-copy.xlsx")
    intake = check_intake(intake_dir, today=TODAY)
    first, second = intake.pupils
    assert first.ok and not second.ok
    assert "is for the same pupil" in second.errors[0].message


def test_a_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        check_intake(tmp_path / "nowhere")


# Annotated copies --------------------------------------------------------------------------


def test_annotated_copy_marks_and_comments_bad_cells(
    tmp_path: Path, check: Callable[..., Checked]
) -> None:
    def change(fields: dict, tables: dict) -> None:
        fields["pupil_date_of_birth"] = "31/02/2018"
        tables["Medicines"][0]["expiry"] = date(2026, 12, 1)

    checked = check(change)
    before = checked.path.read_bytes()
    out = annotate_workbook(checked, tmp_path / "checked")
    assert out == tmp_path / "checked" / "amelia-checked.xlsx"
    assert checked.path.read_bytes() == before
    wb = load_workbook(out)
    error, warning = wb["Pupil"]["B7"], wb["Medicines"]["J11"]
    assert error.fill.fgColor.rgb.endswith("FF9C9C") and warning.fill.fgColor.rgb.endswith("FFD966")
    assert "Mistake: '31/02/2018' is not a date I can read" in error.comment.text
    assert "What to do: type the date as day/month/year" in error.comment.text
    assert warning.comment.text.startswith("Warning:")
    assert wb["Pupil"]["B5"].comment is None
    assert wb.defined_names["pupil_date_of_birth"]  # still a working form
    with pytest.raises(OutputError):
        annotate_workbook(checked, checked.path)


def test_annotate_intake_writes_only_workbooks_with_problems(
    intake_dir: Path, write_pupil: Callable[..., Path], tmp_path: Path
) -> None:
    write_pupil(intake_dir / "bad.xlsx", change=lambda f, t: f.update(pupil_legal_name=None))
    intake = check_intake(intake_dir, today=TODAY)
    written = annotate_intake(intake, tmp_path / "notes")
    assert [p.name for p in written] == ["bad-checked.xlsx"]


def test_hostile_values_in_every_box_never_raise(
    tmp_path: Path, blank_forms: dict[str, Path], write_school: Callable[..., Path]
) -> None:
    """Whatever lands in a cell, every box gets a problem at its cell or is accepted."""
    from datetime import datetime

    from pipeline.form import fill_form
    from pipeline.model import SECTIONS, defined_name, single_fields, table_fields

    oddities = [
        datetime(2026, 1, 1, 13, 45),
        True,
        -1,
        1e308,
        "#N/A",
        "x" * 5000,
        "=1+1",
        "line\nbreak\ttab",
        "   ",
        "Ünïcødé ✓ 漢字",
    ]
    fields, tables = {}, {}
    index = 0
    for key, section in SECTIONS.items():
        if key == "idp":
            continue
        for name in single_fields(section):
            fields[defined_name(key, name)] = oddities[index % len(oddities)]
            index += 1
        for row_model in table_fields(section).values():
            tables[row_model.table] = [
                {name: oddities[(index + i) % len(oddities)] for name in row_model.model_fields}
                for i in range(2)
            ]
            index += 1
    path = fill_form(blank_forms["england"], tmp_path / "hostile.xlsx", fields, tables)
    write_school(tmp_path / "school.xlsx")
    (checked,) = check_intake(tmp_path, today=TODAY).pupils
    assert not checked.ok and len(checked.errors) > 40
    for problem in checked.problems:
        assert problem.message and problem.hint
        assert "Traceback" not in problem.message and "pydantic" not in problem.message.lower()
    cells = [p for p in checked.errors if p.cell]
    assert len(cells) >= len(checked.errors) - 2
    assert annotate_workbook(checked, tmp_path / "notes").is_file()
    assert path.is_file()


def test_a_plan_date_from_last_century_is_a_typing_slip(check: Callable[..., Checked]) -> None:
    checked = check(lambda f, t: f.update(agreement_plan_date=date(1926, 9, 14)))
    (problem,) = checked.errors
    assert problem.where == "Agreement!B9" and "too long ago" in problem.message
