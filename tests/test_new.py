"""`ihp new`: a pupil's workbook from the blank form, named, pre-filled, never overwritten."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from pipeline.cli import cli
from pipeline.errors import ExitCode, UsageError
from pipeline.intake import read_workbook
from pipeline.model import Nation
from pipeline.newplan import new_workbook
from pipeline.validate import check_intake


def ihp(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def named_value(path: Path, name: str) -> object:
    wb = load_workbook(path)
    ((sheet, coordinate),) = list(wb.defined_names[name].destinations)
    return wb[sheet][coordinate.replace("$", "")].value


def test_new_writes_a_named_prefilled_workbook_and_the_school_form(tmp_path: Path) -> None:
    intake = tmp_path / "intake"
    result = ihp("new", "Zoë  O'Brien", str(intake))
    assert result.exit_code == ExitCode.OK, result.output
    workbook = intake / "zoe-obrien.xlsx"
    assert workbook.is_file()
    assert named_value(workbook, "pupil_legal_name") == "Zoë O'Brien"
    meeting = named_value(workbook, "agreement_meeting_date")
    assert isinstance(meeting, datetime) and meeting.date() == date.today()
    assert "school.xlsx" in result.output and "school details are missing" in result.output
    # the reader sees a pupil form with the name, and the school form beside it
    raw = read_workbook(workbook)
    assert raw.sections["pupil"].fields["legal_name"].value == "Zoë O'Brien"
    assert read_workbook(intake / "school.xlsx").kind is not None
    assert read_workbook(intake / "school.xlsx").kind != raw.kind
    if os.name == "posix":
        assert workbook.stat().st_mode & 0o077 == 0


def test_new_fills_only_the_name_and_date_so_check_asks_for_the_rest(
    intake_dir: Path,
) -> None:
    made = new_workbook("Sam Patel", intake_dir, today=date(2026, 9, 7))
    assert made.school_created is None and made.nation is Nation.ENGLAND
    assert named_value(made.workbook, "agreement_meeting_date") == datetime(2026, 9, 7)
    checked = {pupil.path.name: pupil for pupil in check_intake(intake_dir).pupils}
    fresh = checked["sam-patel.xlsx"]
    assert not fresh.ok
    # the name is not among what needs typing; the date of birth is
    where = " ".join(f"{p.field} {p.message}" for p in fresh.errors)
    assert "Date of birth" in where
    assert "Full legal name" not in where
    assert checked["amelia.xlsx"].ok


def test_new_refuses_to_overwrite(intake_dir: Path) -> None:
    first = ihp("new", "Sam Patel", str(intake_dir))
    assert first.exit_code == ExitCode.OK, first.output
    workbook = intake_dir / "sam-patel.xlsx"
    before = workbook.read_bytes()
    again = ihp("new", "Sam Patel", str(intake_dir))
    assert again.exit_code == ExitCode.USAGE
    assert "already exists" in again.output and "Traceback" not in again.output
    assert workbook.read_bytes() == before
    with pytest.raises(UsageError):
        new_workbook("sam patel", intake_dir)


def test_new_uses_the_wales_form_when_the_school_is_in_wales(
    tmp_path: Path, write_school: Callable[..., Path]
) -> None:
    write_school(tmp_path / "school.xlsx", nation="Wales")
    made = new_workbook("Elin Hughes", tmp_path)
    assert made.nation is Nation.WALES and made.school_created is None
    raw = read_workbook(made.workbook)
    assert raw.nation is Nation.WALES
    assert "idp" in raw.sections


def test_new_defaults_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = ihp("new", "Jo Smith")
    assert result.exit_code == ExitCode.OK, result.output
    assert (tmp_path / "jo-smith.xlsx").is_file()
    assert (tmp_path / "school.xlsx").is_file()


def test_an_empty_name_is_a_usage_error(tmp_path: Path) -> None:
    result = ihp("new", "   ", str(tmp_path))
    assert result.exit_code == ExitCode.USAGE
    assert list(tmp_path.iterdir()) == []
