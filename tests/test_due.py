"""`ihp due`: every kind of task, soonest first, the window, and the .ics and .csv exports."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from icalendar import Calendar

from pipeline.cli import cli
from pipeline.due import add_months, due_tasks, initials, review_due, window_from
from pipeline.errors import ExitCode, UsageError

TODAY = date(2026, 11, 24)


def ihp(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _everything_due(fields: dict[str, Any], tables: dict[str, list[dict[str, Any]]]) -> None:
    """Amelia, now 15, with a review, an expired medicine, a training renewal, an emergency
    medicine nobody is trained for, no agreement yet and no views of her own."""
    fields["pupil_date_of_birth"] = date(2011, 6, 14)
    fields["agreement_review_date"] = date(2026, 12, 1)
    fields["agreement_agreed_by"] = None
    fields["agreement_agreed_date"] = None
    for name in ("want_staff_to_know", "how_to_help", "what_worries_me", "recorded_by"):
        fields[f"voice_{name}"] = None
    tables["Medicines"][0]["expiry"] = date(2026, 11, 20)
    tables["Medicines"].append(
        {
            "name": "Adrenaline auto-injector 0.3 mg",
            "dose": "0.3 mg",
            "route": "Auto-injector (thigh)",
            "when": "Anaphylaxis",
            "use": "Emergency",
            "who_gives": "Staff give it",
            "storage": "Office",
            "expiry": date(2027, 6, 30),
        }
    )
    tables["StaffTraining"][0]["renewal_date"] = date(2026, 12, 10)


@pytest.fixture
def due_intake(
    tmp_path: Path, write_school: Callable[..., Path], write_pupil: Callable[..., Path]
) -> Path:
    folder = tmp_path / "intake"
    folder.mkdir()
    write_school(folder / "school.xlsx")
    write_pupil(folder / "amelia.xlsx", change=_everything_due)
    write_pupil(folder / "oliver.xlsx", "oliver")

    def broken(fields: dict[str, Any], tables: dict[str, Any]) -> None:
        fields["pupil_date_of_birth"] = "31/02/2018"

    write_pupil(folder / "broken.xlsx", change=broken)
    return folder


KINDS_FOR_AMELIA = {
    "IHP review due",
    "Medicine expires",
    "Staff training renewal",
    "Train staff for emergency medicine",
    "IHP agreement awaited",
    "Record pupil's views",
}


def test_every_kind_of_task_is_listed_soonest_first(due_intake: Path) -> None:
    result = due_tasks(due_intake, window_from("30d", TODAY))
    amelia = [task for task in result.tasks if task.workbook.name == "amelia.xlsx"]
    assert {task.kind for task in amelia} == KINDS_FOR_AMELIA
    assert [task.due for task in result.tasks] == sorted(task.due for task in result.tasks)
    by_kind = {task.kind: task for task in amelia}
    assert by_kind["IHP review due"].due == date(2026, 12, 1)
    assert by_kind["Medicine expires"].due == date(2026, 11, 20)
    assert "expired" in by_kind["Medicine expires"].detail
    assert by_kind["Staff training renewal"].due == date(2026, 12, 10)
    assert "Adrenaline" in by_kind["Train staff for emergency medicine"].detail
    assert by_kind["Record pupil's views"].due == date(2025, 6, 14)
    assert all(task.initials == "A.H." for task in amelia)
    # the auto-injector's expiry (June 2027) is outside the window
    assert sum(task.kind == "Medicine expires" for task in amelia) == 1
    assert result.skipped == ["broken.xlsx: skipped, 1 problem to fix (run ihp check)"]


def test_the_window_sets_what_is_listed(due_intake: Path) -> None:
    short = due_tasks(due_intake, window_from("3d", TODAY))
    kinds = {task.kind for task in short.tasks if task.workbook.name == "amelia.xlsx"}
    assert "IHP review due" not in kinds and "Staff training renewal" not in kinds
    assert "Medicine expires" in kinds  # already expired: always listed
    long = due_tasks(due_intake, window_from("8m", TODAY))
    expiries = [task for task in long.tasks if task.kind == "Medicine expires"]
    assert {task.due for task in expiries} >= {date(2026, 11, 20), date(2027, 6, 30)}


def test_task_kinds_are_functions_that_can_be_chosen(due_intake: Path) -> None:
    result = due_tasks(due_intake, window_from("30d", TODAY), kinds=[review_due])
    assert [task.kind for task in result.tasks] == ["IHP review due"]


@pytest.mark.parametrize(
    ("within", "until"),
    [
        ("30d", date(2026, 12, 24)),
        ("6w", date(2027, 1, 5)),
        ("2m", date(2027, 1, 24)),
        (" 1M ", date(2026, 12, 24)),
    ],
)
def test_within_accepts_days_weeks_and_months(within: str, until: date) -> None:
    assert window_from(within, TODAY).until == until


def test_months_end_on_the_last_day_of_a_shorter_month() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 2) == date(2027, 2, 15)


def test_a_bad_window_is_a_usage_error(due_intake: Path) -> None:
    with pytest.raises(UsageError):
        window_from("soon", TODAY)
    result = ihp("due", str(due_intake), "--within", "a fortnight")
    assert result.exit_code == ExitCode.USAGE
    assert "30d" in result.output and "Traceback" not in result.output


def test_initials() -> None:
    assert initials("Amelia Rose Hart") == "A.H."
    assert initials("zoë o'brien") == "Z.O."
    assert initials("Cher") == "C."


@pytest.fixture
def exported(due_intake: Path, tmp_path: Path) -> tuple[Result, Path, Path]:
    ics, table = tmp_path / "due.ics", tmp_path / "due.csv"
    result = ihp(
        "due", str(due_intake), "--today", "24/11/2026", "--ics", str(ics), "--csv", str(table)
    )
    return result, ics, table


def test_the_cli_prints_one_table_and_names_skipped_workbooks(
    exported: tuple[Result, Path, Path],
) -> None:
    result, _, _ = exported
    assert result.exit_code == ExitCode.OK, result.output
    assert "broken.xlsx: skipped" in result.output
    assert "IHP review" in result.output and "01/12/2026" in result.output
    assert "Traceback" not in result.output


def test_the_ics_is_valid_and_says_only_initials_and_the_kind(
    exported: tuple[Result, Path, Path], due_intake: Path
) -> None:
    _, ics, _ = exported
    text = ics.read_text(encoding="utf-8")
    calendar = Calendar.from_ical(text)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = list(calendar.walk("VEVENT"))
    tasks = due_tasks(due_intake, window_from("30d", TODAY)).tasks
    assert len(events) == len(tasks) >= 6
    assert len({str(event["UID"]) for event in events}) == len(events)
    for event in events:
        start = event.decoded("DTSTART")
        assert isinstance(start, date) and not isinstance(start, datetime)
        assert start >= TODAY  # overdue tasks are put on today
        assert isinstance(event.decoded("DTSTAMP"), datetime)
        summary = str(event["SUMMARY"])
        assert re.fullmatch(r"[A-Za-z' ]+ — [A-Z]\.([A-Z]\.)?( \(overdue\))?", summary), summary
        assert str(event["DESCRIPTION"]).startswith(f"{summary.split(' (')[0]} Run ihp due")
    assert text.count("DTSTART;VALUE=DATE:") == len(events)
    summaries = {str(event["SUMMARY"]) for event in events}
    assert "IHP review due — A.H." in summaries
    assert "Medicine expires — A.H. (overdue)" in summaries
    health_words = ["asthma", "salbutamol", "adrenaline", "inhaler", "anaphyla", "insulin"]
    names = ["amelia", "millie", "hart", "oliver", "bennett", "diabetes", "tom fielding"]
    for word in health_words + names:
        assert word not in text.casefold(), word


def test_the_csv_holds_the_full_table(
    exported: tuple[Result, Path, Path], due_intake: Path
) -> None:
    _, _, table = exported
    with table.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    tasks = due_tasks(due_intake, window_from("30d", TODAY)).tasks
    assert [row["task"] for row in rows] == [task.kind for task in tasks]
    assert [row["due"] for row in rows] == [task.due.isoformat() for task in tasks]
    expired = next(row for row in rows if row["task"] == "Medicine expires")
    assert expired["pupil"] == "Millie Hart" and "Salbutamol" in expired["detail"]
    assert expired["workbook"] == "amelia.xlsx"


def test_nothing_due(intake_dir: Path) -> None:
    result = ihp("due", str(intake_dir), "--today", "24/11/2026", "--within", "1d")
    assert result.exit_code == ExitCode.OK, result.output
    assert "Nothing due" in result.output
