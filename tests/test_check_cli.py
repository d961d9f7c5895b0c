"""`ihp check` through click: exit codes by name, --json, --annotate, --school, no tracebacks."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import cli
from pipeline.errors import ExitCode

ROOT = Path(__file__).resolve().parent.parent


def ihp(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_a_valid_folder_exits_ok(intake_dir: Path) -> None:
    result = ihp("check", str(intake_dir))
    assert result.exit_code == ExitCode.OK, result.output
    assert "✓ school.xlsx (school details): ready" in result.output
    assert "✓ amelia.xlsx: ready" in result.output
    assert "1 of 1 pupil workbooks ready to build." in result.output


def test_mistakes_are_grouped_per_workbook_and_exit_invalid_input(
    intake_dir: Path, write_pupil: Callable[..., Path]
) -> None:
    def change(fields: dict, tables: dict) -> None:
        fields["pupil_date_of_birth"] = "31/02/2018"
        tables["FamilyContacts"][0]["mobile"] = "0770"

    write_pupil(intake_dir / "bob.xlsx", change=change)
    result = ihp("check", str(intake_dir))
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = result.output
    assert "✗ bob.xlsx: 2 to fix" in out
    assert "Pupil!B7 · Date of birth" in out and "'31/02/2018' is not a date I can read" in out
    assert "What to do: type the date as day/month/year" in out
    assert "Contacts!C11 · Mobile (Family contacts, row 1)" in out
    assert out.index("bob.xlsx") < out.index("Pupil!B7") < out.index("Contacts!C11")
    assert "1 of 2 pupil workbooks ready to build." in out


def test_warnings_alone_exit_ok(intake_dir: Path, write_pupil: Callable[..., Path]) -> None:
    write_pupil(intake_dir / "amelia.xlsx", change=lambda f, t: f.update(agreement_agreed_by=None))
    result = ihp("check", str(intake_dir))
    assert result.exit_code == ExitCode.OK
    assert "! amelia.xlsx: ready, 1 warning" in result.output


def test_json_goes_to_stdout(intake_dir: Path, write_pupil: Callable[..., Path]) -> None:
    write_pupil(intake_dir / "bob.xlsx", change=lambda f, t: f.update(pupil_nhs_number="123"))
    result = CliRunner().invoke(cli, ["check", "--json", str(intake_dir)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["school"]["ok"] is True
    by_file = {Path(w["file"]).name: w for w in report["workbooks"]}
    assert by_file["amelia.xlsx"]["ok"] is True and by_file["amelia.xlsx"]["problems"] == []
    (problem,) = by_file["bob.xlsx"]["problems"]
    assert problem == {
        "file": "bob.xlsx",
        "sheet": "Pupil",
        "cell": "B12",
        "field": "NHS number (optional)",
        "message": "an NHS number has 10 digits; '123' does not",
        "hint": "copy the 10-digit NHS number from a letter from the GP or hospital, "
        "or leave it blank",
        "severity": "error",
    }


def test_annotate_writes_marked_copies(
    intake_dir: Path, write_pupil: Callable[..., Path], tmp_path: Path
) -> None:
    write_pupil(intake_dir / "bob.xlsx", change=lambda f, t: f.update(pupil_legal_name=None))
    notes = tmp_path / "annotated"
    result = ihp("check", "--annotate", str(notes), str(intake_dir))
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert [p.name for p in notes.iterdir()] == ["bob-checked.xlsx"]
    assert f"Annotated copy: {notes / 'bob-checked.xlsx'}" in result.output


def test_school_option_and_a_single_file(intake_dir: Path, tmp_path: Path) -> None:
    school = tmp_path / "details.xlsx"
    shutil.move(intake_dir / "school.xlsx", school)
    assert ihp("check", str(intake_dir / "amelia.xlsx")).exit_code == ExitCode.INVALID_INPUT
    result = ihp("check", "--school", str(school), str(intake_dir / "amelia.xlsx"))
    assert result.exit_code == ExitCode.OK, result.output


@pytest.mark.parametrize("content", [b"", b"garbage", b"PK\x03\x04broken"])
def test_no_traceback_for_garbage(intake_dir: Path, content: bytes) -> None:
    (intake_dir / "garbage.xlsx").write_bytes(content)
    result = ihp("check", str(intake_dir))
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "Traceback" not in result.output
    assert "garbage.xlsx" in result.output and "Excel Workbook (.xlsx)" in result.output


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = ihp("check", str(tmp_path / "nowhere"))
    assert result.exit_code == ExitCode.USAGE and "does not exist" in result.output


def test_samples_folder_is_valid() -> None:
    result = ihp("check", str(ROOT / "samples"))
    assert result.exit_code == ExitCode.OK, result.output
    assert "8 of 8 pupil workbooks ready to build." in result.output


def test_invalid_samples_fail_without_traceback() -> None:
    result = ihp("check", str(ROOT / "samples" / "invalid"))
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "Traceback" not in result.output
    assert "0 of 18 pupil workbooks ready to build." in result.output


@pytest.mark.parametrize("command", ["check", "form"])
def test_help_reads_well(command: str) -> None:
    result = ihp(command, "--help")
    assert result.exit_code == 0
    assert "Usage: " in result.output and len(result.output.splitlines()) > 6
    assert "_" not in result.output.split("Options:")[0].replace("INTAKE_DIR", "")


def test_an_unwritable_annotate_folder_is_an_output_error(
    intake_dir: Path, write_pupil: Callable[..., Path], tmp_path: Path
) -> None:
    write_pupil(intake_dir / "bob.xlsx", change=lambda f, t: f.update(pupil_legal_name=None))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = ihp("check", "--annotate", str(blocker / "notes"), str(intake_dir))
    assert result.exit_code == ExitCode.OUTPUT_FAILED
    assert "could not write" in result.output and "Traceback" not in result.output
