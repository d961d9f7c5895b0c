"""`ihp new`: start a pupil's workbook from the blank form, already named and dated.

A SENCo starting a plan after a trigger (a diagnosis, a new pupil) should not have to find the
blank form, copy it, name the copy and type the meeting date: this does all four, picks the
Wales form when the school is in Wales, and never overwrites a workbook that already exists.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.errors import UsageError
from pipeline.files import private_dir, slugify, write_atomically
from pipeline.form import (
    PUPIL_FORM,
    SCHOOL_FORM,
    WALES_FORM,
    fill_form,
    write_pupil_form,
    write_school_form,
)
from pipeline.intake import read_school
from pipeline.model import Nation, defined_name
from pipeline.resources import forms_dir
from pipeline.validate import SCHOOL_FILE


@dataclass(frozen=True)
class NewPlan:
    """What `new_workbook` made: the pupil's workbook and, for a new folder, the school's."""

    workbook: Path
    nation: Nation
    #: the blank school details workbook copied in, when the folder had none
    school_created: Path | None


def school_nation(school_file: Path) -> Nation:
    """The nation typed in a school details workbook; England when it is blank or unreadable."""
    raw = read_school(school_file)
    section = raw.sections.get("school")
    cell = section.fields.get("nation") if section else None
    typed = cell.value if cell is not None and isinstance(cell.value, str) else ""
    return Nation.WALES if typed.strip().casefold() == "wales" else Nation.ENGLAND


def _fill_pupil_form(nation: Nation, dest: Path, fields: dict[str, Any]) -> Path:
    """Fill the committed blank form, or a freshly generated one if an install lacks it
    (generated outside the intake folder, where it would be read as a pupil's workbook)."""
    name = WALES_FORM if nation is Nation.WALES else PUPIL_FORM
    committed = forms_dir() / name
    if committed.is_file():
        return fill_form(committed, dest, fields)
    with tempfile.TemporaryDirectory() as scratch:
        return fill_form(write_pupil_form(Path(scratch) / name, nation), dest, fields)


def new_workbook(name: str, intake: Path, *, today: date | None = None) -> NewPlan:
    """Copy the blank pupil form to `<intake>/<slug of name>.xlsx`, with the pupil's legal
    name and today's date as the meeting date filled in.

    Refuses (UsageError) to overwrite an existing workbook. When the folder has no
    `school.xlsx`, the blank school details form is copied in too, to be filled once.
    """
    legal_name = " ".join(name.split())
    if not legal_name:
        raise UsageError("the pupil's name is empty", 'type it in quotes: ihp new "Jo Smith"')
    if intake.exists() and not intake.is_dir():
        raise UsageError(
            f"{intake} is a file, not a folder", "give the intake folder the workbook goes in"
        )
    private_dir(intake)
    dest = intake / f"{slugify(legal_name)}.xlsx"
    if dest.exists():
        raise UsageError(
            f"{dest} already exists; it was not changed",
            "open that workbook to update the plan, or give the pupil's name differently "
            "(e.g. with a middle name) if this is another pupil",
        )
    school_file = intake / SCHOOL_FILE
    school_created = None
    if school_file.exists():
        nation = school_nation(school_file)
    else:
        nation = Nation.ENGLAND
        blank = forms_dir() / SCHOOL_FORM
        if blank.is_file():
            write_atomically(school_file, blank.read_bytes())
        else:
            write_school_form(school_file)
        school_created = school_file
    fields = {
        defined_name("pupil", "legal_name"): legal_name,
        defined_name("agreement", "meeting_date"): today or date.today(),
    }
    _fill_pupil_form(nation, dest, fields)
    if os.name == "posix":
        dest.chmod(0o600)
    return NewPlan(workbook=dest, nation=nation, school_created=school_created)
