"""Turn raw workbook values into a `Plan`, or into every problem a SENCo must fix, in one pass.

Each section (sheet) is validated on its own, and pydantic reports every bad field and every bad
table row of a section at once, so one mistake never hides another. Each error is mapped back to
the `sheet!cell` it came from and to the label on the form, with a message and a hint in plain
words. Cross-field checks (dates that must agree, what an emergency sheet cannot do without) and
warnings that do not block (review overdue, medicine expiring, nobody trained) follow.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from pipeline.check_cache import CheckCache
from pipeline.conditions import load_library
from pipeline.errors import InvalidInputError, OutputError
from pipeline.form import (
    SCHOOL_FORM,
    FormKind,
    enum_of,
    input_kind,
    is_required,
    label_of,
    number_bounds,
)
from pipeline.intake import (
    RawCell,
    RawIntake,
    RawSection,
    form_identity,
    read_school,
    read_workbook,
    workbooks_in,
)
from pipeline.model import (
    SECTIONS,
    AdviceStatus,
    Agreement,
    Background,
    ConditionDetails,
    ConditionKind,
    Emergency,
    Idp,
    LinkedPlan,
    Medicine,
    Medicines,
    MedicineUse,
    Nation,
    Plan,
    Pupil,
    Route,
    School,
    Section,
    StaffTraining,
    Voice,
    single_fields,
    table_fields,
)
from pipeline.package import Refused, inspect_package
from pipeline.problems import Problem, Severity
from pipeline.uk import DATE_HINT
from pipeline.wording import reword
from pipeline.workers import map_in_pool

SCHOOL_FILE = "school.xlsx"

#: a pupil is usually between these ages on the plan date
YOUNGEST, OLDEST = 2, 25
#: from this age the pupil's own views lead the plan
VOICE_LEADS_AT = 14
#: a plan date before this year is a typing slip, not a plan still in use
EARLIEST_PLAN_YEAR = 2000
#: warn when a medicine expires within this many days
EXPIRY_WARNING_DAYS = 30


@dataclass
class Checked:
    """One pupil workbook after checking: the plan when it can be built, and every problem."""

    path: Path
    plan: Plan | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        """A plan can be built: nothing blocks it (warnings are allowed)."""
        return self.plan is not None and not self.errors


@dataclass
class Intake:
    """A checked intake folder: the school's details and every pupil workbook in it."""

    school_file: Path | None
    school: School | None
    school_problems: list[Problem]
    pupils: list[Checked]

    @property
    def ok(self) -> bool:
        school_ok = self.school is not None and not any(p.is_error for p in self.school_problems)
        return school_ok and all(pupil.ok for pupil in self.pupils)

    @property
    def problems(self) -> list[Problem]:
        return [*self.school_problems, *(p for pupil in self.pupils for p in pupil.problems)]


# --------------------------------------------------------------------------------------------
# Raw cell values -> what the model accepts


def _prepare(value: Any, field_info: FieldInfo) -> Any:
    """Undo what Excel does to typed values; `None` means the box is empty."""
    kind = input_kind(field_info)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        if kind == "enum":
            return _enum_value(value, field_info)
        if kind in ("int", "float"):
            return _number_from_text(value)
        return value
    if value is None:
        return None
    if isinstance(value, bool):
        if kind in ("text", "enum"):
            return "Yes" if value else "No"
        return value
    if isinstance(value, datetime | date):
        if kind == "date":
            return value
        day = value.date() if isinstance(value, datetime) else value
        return f"{day:%d/%m/%Y}"
    if isinstance(value, int | float):
        if kind in ("text", "postcode", "email", "enum"):
            text = str(int(value)) if float(value).is_integer() else str(value)
            return _enum_value(text, field_info) if kind == "enum" else text
        if kind == "int" and float(value).is_integer() and abs(value) < 1e15:
            return int(value)
    return value


def _enum_value(text: str, field_info: FieldInfo) -> str:
    choices = enum_of(field_info)
    if choices is None:
        return text
    wanted = " ".join(text.split()).casefold()
    for member in choices:
        # the Wales form lists choices in its own words ("Learner, supervised by staff")
        if any(reword(str(member.value), nation).casefold() == wanted for nation in Nation):
            return str(member.value)
    return text


def _number_from_text(text: str) -> Any:
    cleaned = text.replace(" ", "").replace(",", "")
    try:
        number = float(cleaned)
    except ValueError:
        return text
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


# --------------------------------------------------------------------------------------------
# pydantic errors -> problems a SENCo can act on


@dataclass(frozen=True)
class _Place:
    sheet: str
    cell: str
    label: str
    field: FieldInfo | None = None


def _choices_hint(field_info: FieldInfo) -> str:
    choices = enum_of(field_info)
    if choices is None:
        return "choose from the drop-down list"
    names = ", ".join(f"'{member.value}'" for member in choices)
    hint = f"choose from the drop-down list: {names}"
    return hint if len(hint) <= 240 else "choose one of the options in the drop-down list"


def _range_hint(field_info: FieldInfo) -> str:
    low, high = number_bounds(field_info)
    kind = "a whole number" if input_kind(field_info) == "int" else "a number"
    above = any(getattr(constraint, "gt", None) is not None for constraint in field_info.metadata)
    if low is not None and high is not None:
        start = f"more than {low:g} and up to" if above else f"from {low:g} to"
        return f"type {kind} {start} {high:g}, without units"
    return f"type {kind}, without units"


def _prompt(field_info: FieldInfo | None) -> str:
    return (field_info.description or "").rstrip(".") if field_info else ""


def _wording(error: Any, place: _Place) -> tuple[str, str]:
    """Message and hint for one pydantic error, never showing a type name or a field path."""
    kind = error["type"]
    context = error.get("ctx") or {}
    given = error.get("input")
    shown = " ".join(str(given).split())[:40] if given is not None else ""
    field_info = place.field
    if "hint" in context:
        return " ".join(error["msg"].split()), str(context["hint"])
    if kind == "missing" or (kind == "string_type" and given is None):
        prompt = _prompt(field_info)
        return "this box must be filled in but is empty", f"fill it in: {prompt}" if prompt else (
            "fill it in"
        )
    if kind == "enum" and field_info is not None:
        return f"'{shown}' is not one of the choices", _choices_hint(field_info)
    if kind.startswith(("int_", "float_")) or kind == "finite_number":
        word = "a whole number" if kind.startswith("int_") else "a number"
        hint = _range_hint(field_info) if field_info else "type a number"
        return f"'{shown}' is not {word}", hint
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        hint = _range_hint(field_info) if field_info else "check the number"
        return f"{shown} is outside the range this box allows", hint
    if kind in ("bool_parsing", "bool_type"):
        return f"'{shown}' is not Yes or No", "choose Yes or No"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"'{shown}' is not a date I can read", DATE_HINT
    if field_info is not None and input_kind(field_info) == "email":
        return (
            f"'{shown}' is not an email address",
            "type a whole email address such as name@example.org, or leave it blank",
        )
    if kind == "too_short":
        return "this table is empty", f"fill in at least one row: {_prompt(field_info)}"
    if kind == "string_too_long":
        return "this text is too long", "shorten it, or put the detail in a separate document"
    prompt = _prompt(field_info)
    return f"'{shown}' cannot be used here", f"check it: {prompt}" if prompt else "check it"


_EMPTY_TABLE = {
    ("contacts", "family"): (
        "there is no family contact: the emergency sheet needs at least one person to phone",
        "type the family contacts in the order to call them, each with a phone number",
    ),
    ("conditions", "conditions"): (
        "no condition is recorded: the plan and the emergency sheet need at least one",
        "type one row per condition, choosing its kind from the drop-down list",
    ),
}


def _locate(error: Any, file: str, key: str, section: type[BaseModel], raw: RawSection) -> Problem:
    """Find the cell an error is about, whether a single box, a table row or a table."""
    location = error["loc"]
    place = _Place(raw.sheet, "", "")
    if location and isinstance(location[0], str):
        name = location[0]
        field_info = section.model_fields.get(name)
        label = label_of(field_info, name) if field_info else name
        if name in raw.fields:
            cell = raw.fields[name]
            place = _Place(cell.sheet, cell.cell, label, field_info)
        elif name in raw.tables:
            table = raw.tables[name]
            place = _Place(table.sheet, table.first_cell, label, field_info)
            row_model = table_fields(section)[name]  # type: ignore[arg-type]
            if (
                len(location) >= 2
                and isinstance(location[1], int)
                and location[1] < len(table.rows)
            ):
                row = table.rows[location[1]]
                column = location[2] if len(location) >= 3 else None
                if column is None and error["type"] == "no_phone":
                    column = "mobile"
                column_field = row_model.model_fields.get(str(column)) if column else None
                row_cell = row.cells.get(str(column)) if column else None
                row_cell = row_cell or next(iter(row.cells.values()), None)
                where = f"{label}, row {row.number}"
                column_label = label_of(column_field, str(column)) if column_field else ""
                place = _Place(
                    row_cell.sheet if row_cell else table.sheet,
                    row_cell.cell if row_cell else table.first_cell,
                    f"{column_label} ({where})" if column_label else where,
                    column_field,
                )
            elif error["type"] == "too_short" and (key, name) in _EMPTY_TABLE:
                message, hint = _EMPTY_TABLE[(key, name)]
                return Problem(file, place.sheet, place.cell, label, message, hint)
        else:
            place = _Place(raw.sheet, "", label, field_info)
    message, hint = _wording(error, place)
    return Problem(file, place.sheet, place.cell, place.label, message, hint)


# --------------------------------------------------------------------------------------------
# Section by section


def _missing_box(file: str, raw: RawSection, label: str, *, table: bool) -> Problem:
    what = "table" if table else "box"
    return Problem(
        file,
        raw.sheet,
        "",
        label,
        f"this workbook has no {what} for '{label}' (its name was deleted or renamed)",
        "copy this pupil's details into a fresh copy of the form (`ihp form` writes one)",
    )


def _section_input(
    file: str, section: type[Section], raw: RawSection, problems: list[Problem]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in single_fields(section):
        field_info = section.model_fields[name]
        cell = raw.fields.get(name)
        if cell is None:
            if field_info.is_required():
                problems.append(_missing_box(file, raw, label_of(field_info, name), table=False))
            continue
        value = _prepare(cell.value, field_info)
        if value is not None:
            values[name] = value
    for name, row_model in table_fields(section).items():
        table = raw.tables.get(name)
        field_info = section.model_fields[name]
        if table is None:
            if is_required(field_info):
                problems.append(_missing_box(file, raw, label_of(field_info, name), table=True))
            continue
        rows = []
        for row in table.rows:
            prepared = {
                column: _prepare(cell.value, row_model.model_fields[column])
                for column, cell in row.cells.items()
            }
            rows.append({column: value for column, value in prepared.items() if value is not None})
        values[name] = rows
    return values


def _absent_sheet(file: str, key: str, section: type[Section], raw: RawSection) -> Problem | None:
    """One problem for a sheet whose every box and table is gone (the sheet was deleted).

    An error when the sheet held anything the plan needs, else a warning: its details are lost.
    The IDP sheet is only on the Wales form, so its absence says nothing.
    """
    if key == "idp" or raw.fields or raw.tables:
        return None
    names = [*single_fields(section), *table_fields(section)]
    if not names:
        return None
    needed = any(is_required(section.model_fields[name]) for name in names)
    return Problem(
        file,
        raw.sheet,
        "",
        "",
        f"the '{raw.sheet}' sheet is missing from this workbook (it was deleted, or its boxes "
        "lost their names)" + ("" if needed else ", so the plan will have none of its details"),
        "copy this pupil's details into a fresh copy of the form (`ihp form` writes one)",
        Severity.ERROR if needed else Severity.WARNING,
    )


def _validate_section(
    file: str, key: str, section: type[Section], raw: RawSection, problems: list[Problem]
) -> Section | None:
    # A cell the reader already refused (merged away, a formula without a result) is empty
    # here; one problem at that cell is enough.
    taken = {(problem.sheet, problem.cell) for problem in problems if problem.cell}
    before = len(problems)
    values = _section_input(file, section, raw, problems)
    reported = {problem.field for problem in problems[before:]}
    absent = _absent_sheet(file, key, section, raw)
    if absent is not None:
        del problems[before:]  # not one "no box" problem per box of the sheet
        problems.append(absent)
        if absent.is_error:
            return None
    try:
        return section.model_validate(values)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            problem = _locate(detail, file, key, section, raw)
            if problem.field in reported and detail["type"] in ("missing", "too_short"):
                continue  # already said the whole box or table is missing
            if (problem.sheet, problem.cell) in taken:
                continue
            problems.append(problem)
        return None


@cache
def _adapter(section: type[Section], name: str) -> TypeAdapter[Any]:
    field_info = section.model_fields[name]
    return TypeAdapter(Annotated[field_info.annotation, field_info])  # type: ignore[arg-type]


def _single_value(section: type[Section], raw: RawSection | None, name: str) -> Any:
    """One box's value on its own, for cross-field checks when its section has other errors."""
    if raw is None or name not in raw.fields:
        return None
    value = _prepare(raw.fields[name].value, section.model_fields[name])
    if value is None:
        return None
    try:
        return _adapter(section, name).validate_python(value)
    except ValidationError:
        return None


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class _Report:
    """Collects problems for one workbook, pointing each at a cell by section and field."""

    def __init__(self, raw: RawIntake, problems: list[Problem]) -> None:
        self.raw = raw
        self.file = raw.path.name
        self.problems = problems

    def _where(self, key: str, name: str) -> tuple[str, str, str]:
        section = SECTIONS[key]
        raw = self.raw.sections.get(key)
        label = label_of(section.model_fields[name], name)
        if raw and name in raw.fields:
            return raw.fields[name].sheet, raw.fields[name].cell, label
        if raw and name in raw.tables:
            return raw.tables[name].sheet, raw.tables[name].first_cell, label
        return section.sheet, "", label

    def at(self, key: str, name: str, message: str, hint: str, severity: Severity) -> None:
        sheet, cell, label = self._where(key, name)
        self.problems.append(Problem(self.file, sheet, cell, label, message, hint, severity))

    def at_cell(
        self, cell: RawCell | None, label: str, message: str, hint: str, severity: Severity
    ) -> None:
        sheet, ref = (cell.sheet, cell.cell) if cell else ("", "")
        self.problems.append(Problem(self.file, sheet, ref, label, message, hint, severity))


def _table_cell(raw: RawIntake, key: str, table: str, index: int, column: str) -> RawCell | None:
    section = raw.sections.get(key)
    if section is None or table not in section.tables:
        return None
    rows = section.tables[table].rows
    if index >= len(rows):
        return None
    return rows[index].cells.get(column) or next(iter(rows[index].cells.values()), None)


def _check_dates(raw: RawIntake, report: _Report, today: date) -> None:
    pupil_raw, agreement_raw = raw.sections.get("pupil"), raw.sections.get("agreement")
    born = _single_value(Pupil, pupil_raw, "date_of_birth")
    plan_date = _single_value(Agreement, agreement_raw, "plan_date")
    review = _single_value(Agreement, agreement_raw, "review_date")
    if plan_date and plan_date.year < EARLIEST_PLAN_YEAR:
        report.at(
            "agreement",
            "plan_date",
            f"the plan date {plan_date:%d/%m/%Y} is too long ago for a plan in use",
            "check the year in the plan date (day/month/year)",
            Severity.ERROR,
        )
        return
    if plan_date and plan_date > _add_months(today, 12):
        report.at(
            "agreement",
            "plan_date",
            f"the plan date {plan_date:%d/%m/%Y} is more than a year from today",
            "check the year in the plan date (day/month/year): it is the date of the meeting",
            Severity.ERROR,
        )
        return
    if born and plan_date:
        if born >= plan_date:
            report.at(
                "pupil",
                "date_of_birth",
                f"the date of birth {born:%d/%m/%Y} is not before the plan date "
                f"{plan_date:%d/%m/%Y}",
                "check the date of birth (day/month/year) and the plan date",
                Severity.ERROR,
            )
        else:
            age = _age_on(born, plan_date)
            if not YOUNGEST <= age <= OLDEST:
                report.at(
                    "pupil",
                    "date_of_birth",
                    f"the date of birth {born:%d/%m/%Y} makes the pupil {age} on the plan date; "
                    f"a pupil is between {YOUNGEST} and {OLDEST}",
                    "check the year in the date of birth (day/month/year)",
                    Severity.ERROR,
                )
    if review and plan_date:
        if review <= plan_date:
            report.at(
                "agreement",
                "review_date",
                f"the review date {review:%d/%m/%Y} is not after the plan date "
                f"{plan_date:%d/%m/%Y}",
                "type a review date after the plan date, at most 12 months on",
                Severity.ERROR,
            )
        elif review > _add_months(plan_date, 12):
            latest = _add_months(plan_date, 12)
            report.at(
                "agreement",
                "review_date",
                f"the review date {review:%d/%m/%Y} is more than 12 months after the plan date",
                f"plans are reviewed at least once a year: review by {latest:%d/%m/%Y}",
                Severity.WARNING,
            )
    if review and review < today and (not plan_date or review > plan_date):
        report.at(
            "agreement",
            "review_date",
            f"the review date {review:%d/%m/%Y} has passed",
            "hold the review meeting and update the plan, then type the next review date",
            Severity.WARNING,
        )


def _has_default_steps(conditions: ConditionDetails) -> bool:
    """Whether the condition library can supply emergency steps for any of the conditions."""
    for condition in conditions.conditions:
        if condition.kind is ConditionKind.OTHER:
            continue
        if condition.kind is ConditionKind.ASTHMA and conditions.asthma_mart:
            continue  # MART/SMART: the pupil's own steps apply, not the default puffs
        return True
    return False


def _check_emergency(sections: dict[str, Section | None], report: _Report) -> None:
    emergency, conditions = sections.get("emergency"), sections.get("conditions")
    if not isinstance(emergency, Emergency) or not isinstance(conditions, ConditionDetails):
        return
    if emergency.steps or _has_default_steps(conditions):
        return
    report.at(
        "emergency",
        "steps",
        "there are no emergency steps, and no condition recorded has default steps "
        "(conditions of kind 'Other', or asthma on a MART/SMART inhaler)",
        "type the emergency steps agreed with the healthcare professional, one short step a row",
        Severity.ERROR,
    )


_ROUTE_WORDS: dict[Route, tuple[str, ...]] = {
    Route.AUTO_INJECTOR: (
        "adrenaline",
        "auto-injector",
        "autoinjector",
        "epipen",
        "jext",
        "anaphyla",
    ),
    Route.BUCCAL: ("buccal", "midazolam", "seizure", "epilep"),
    Route.NASAL: ("nasal", "midazolam", "seizure", "epilep"),
    Route.RECTAL: ("rectal", "diazepam", "seizure", "epilep"),
    Route.INHALED: ("inhaler", "salbutamol", "asthma"),
    Route.UNDER_SKIN: ("insulin", "glucagon", "injection", "diabetes", "pump"),
}
_GENERIC_WORDS = {"tablet", "tablets", "liquid", "spray", "inhaler", "junior", "child", "pen"}


def medicine_words(medicine: Medicine) -> set[str]:
    """Words that tie staff training to a medicine (its name, route and condition), shared by
    `ihp check` and `ihp due` so both judge "trained to give it" the same way."""
    words = {word for word in re.findall(r"[a-z][a-z\-]{3,}", medicine.name.casefold())}
    return (words - _GENERIC_WORDS) | set(_ROUTE_WORDS.get(medicine.route, ()))


def _check_fetched(sections: dict[str, Section | None], report: _Report) -> None:
    """A condition whose emergency steps give a medicine every such pupil should have (a
    reliever inhaler, an adrenaline auto-injector), with none recorded: the emergency sheet
    would tell staff to give it but could not say where it is kept."""
    conditions, medicines = sections.get("conditions"), sections.get("medicines")
    if not isinstance(conditions, ConditionDetails) or not isinstance(medicines, Medicines):
        return
    library = load_library()
    for kind in dict.fromkeys(condition.kind for condition in conditions.conditions):
        for given in library[kind].steps_give if kind in library else ():
            if not given.expected or any(medicine in given for medicine in medicines.medicines):
                continue
            report.at(
                "medicines",
                "medicines",
                f"the pupil has {kind.value.lower()}, whose emergency steps give {given.what}, "
                "but no such medicine is recorded to use when needed or in an emergency, so "
                "the emergency sheet cannot say where it is kept",
                f"add a row for {given.what}: its name, 'When needed' or 'Emergency', and where "
                "it is kept",
                Severity.WARNING,
            )


def _check_medicines(
    raw: RawIntake, sections: dict[str, Section | None], report: _Report, today: date
) -> None:
    medicines = sections.get("medicines")
    if not isinstance(medicines, Medicines):
        return
    training = sections.get("training")
    signed_off = [
        row
        for row in (training.training if isinstance(training, StaffTraining) else [])
        if row.competent and not (row.renewal_date and row.renewal_date < today)
    ]
    for index, medicine in enumerate(medicines.medicines):
        if medicine.expiry:
            cell = _table_cell(raw, "medicines", "medicines", index, "expiry")
            label = f"Expiry date (Medicines, row {index + 1})"
            if medicine.expiry < today:
                report.at_cell(
                    cell,
                    label,
                    f"{medicine.name} expired on {medicine.expiry:%d/%m/%Y}",
                    "ask the family for an in-date supply and type its expiry date",
                    Severity.WARNING,
                )
            elif (medicine.expiry - today).days <= EXPIRY_WARNING_DAYS:
                report.at_cell(
                    cell,
                    label,
                    f"{medicine.name} expires on {medicine.expiry:%d/%m/%Y}, within "
                    f"{EXPIRY_WARNING_DAYS} days",
                    "ask the family for a new supply before then",
                    Severity.WARNING,
                )
        if medicine.use is MedicineUse.EMERGENCY and isinstance(training, StaffTraining):
            words = medicine_words(medicine)
            trained = [
                row for row in signed_off if any(word in row.training.casefold() for word in words)
            ]
            if not trained:
                report.at_cell(
                    _table_cell(raw, "medicines", "medicines", index, "name"),
                    f"Medicine (Medicines, row {index + 1})",
                    f"nobody is recorded as trained and signed off competent to give "
                    f"{medicine.name}, an emergency medicine",
                    "add a row on the Training sheet for each person trained to give it, "
                    "with 'Signed off competent' Yes (and a renewal date still to come)",
                    Severity.WARNING,
                )
    if isinstance(training, StaffTraining):
        for index, row in enumerate(training.training):
            if row.renewal_date and row.renewal_date < today:
                report.at_cell(
                    _table_cell(raw, "training", "training", index, "renewal_date"),
                    f"Renew by (Staff training, row {index + 1})",
                    f"{row.staff_name}'s training was due for renewal on "
                    f"{row.renewal_date:%d/%m/%Y}",
                    "book refresher training and type the new dates",
                    Severity.WARNING,
                )


def _check_people(raw: RawIntake, sections: dict[str, Section | None], report: _Report) -> None:
    agreement, pupil, voice = (
        sections.get("agreement"),
        sections.get("pupil"),
        sections.get("voice"),
    )
    if isinstance(agreement, Agreement) and not agreement.is_agreed:
        report.at(
            "agreement",
            "agreed_by",
            "no healthcare professional has agreed this plan yet; its emergency wording will be "
            "marked as awaiting agreement",
            "when they agree it, type their name and role here and the date on the next line",
            Severity.WARNING,
        )
    if isinstance(pupil, Pupil) and isinstance(agreement, Agreement) and isinstance(voice, Voice):
        age = _age_on(pupil.date_of_birth, agreement.plan_date)
        views = (voice.want_staff_to_know, voice.how_to_help, voice.what_worries_me)
        if age >= VOICE_LEADS_AT and not any(views):
            report.at(
                "voice",
                "want_staff_to_know",
                f"the pupil is {age}: from {VOICE_LEADS_AT} their own views lead the plan, but "
                "the Pupil's voice sheet is empty",
                "write down, in the pupil's own words, what they want staff to know and how "
                "they like to be helped",
                Severity.WARNING,
            )
    if isinstance(pupil, Pupil) and pupil.photo:
        if not (raw.path.parent / pupil.photo).is_file():
            report.at(
                "pupil",
                "photo",
                f"there is no photo file called {pupil.photo} beside this workbook",
                "save the photo in the same folder as the workbook, or clear this box",
                Severity.WARNING,
            )
        elif not pupil.photo_consent:
            report.at(
                "pupil",
                "photo_consent",
                "a photo is named but consent to use it is not recorded, so it will not be used",
                "choose Yes once the parent has agreed the photo may be used",
                Severity.WARNING,
            )


def _check_idp(
    raw: RawIntake, sections: dict[str, Section | None], school: School | None, report: _Report
) -> None:
    """Wales: a learner with an IDP whose IDP health sheet is empty gets no IDP health and
    social care section; pending advice without a date cannot be chased by `ihp due`."""
    if school is None or school.nation is not Nation.WALES:
        return
    background, idp = sections.get("background"), sections.get("idp")
    needs = idp.needs if isinstance(idp, Idp) else []
    has_idp = isinstance(background, Background) and background.linked_plan is LinkedPlan.IDP
    if has_idp and not needs:
        on_sheet = "idp" in raw.sections and "needs" in raw.sections["idp"].tables
        report.at(
            "idp" if on_sheet else "background",
            "needs" if on_sheet else "linked_plan",
            "this learner has an Individual Development Plan but no health or social care "
            "need is recorded on the IDP health sheet, so no IDP health and social care "
            "section is made",
            "record each health and social care need on the IDP health sheet (with 'Health "
            "advice pending' where health has not replied), or choose another plan here",
            Severity.WARNING,
        )
    for index, need in enumerate(needs):
        if need.status is AdviceStatus.PENDING and need.advice_requested is None:
            report.at_cell(
                _table_cell(raw, "idp", "needs", index, "advice_requested"),
                f"Advice requested on (IDP health and social care needs, row {index + 1})",
                "health advice is pending but the date it was requested is empty, so "
                "`ihp due` cannot say how long it has waited",
                "type the date the advice was requested (day/month/year)",
                Severity.WARNING,
            )


def validate(raw: RawIntake, school: School | None, *, today: date | None = None) -> Checked:
    """Check one pupil workbook against the model; every problem, errors and warnings, at once.

    Without valid school details the pupil's own problems are still all reported, but no plan
    is made (the emergency sheet cannot be written without the school's address).
    """
    today = today or date.today()
    problems = list(raw.problems)
    if raw.refused:
        return Checked(raw.path, None, problems)
    file = raw.path.name
    if raw.kind is not FormKind.PUPIL:
        problems.append(
            Problem(
                file,
                "",
                "",
                "",
                "this is the school details workbook, not a pupil's intake workbook",
                "check it with the pupils' folder, where it is found as the school details",
            )
        )
        return Checked(raw.path, None, problems)
    sections: dict[str, Section | None] = {}
    for key, section in SECTIONS.items():
        sections[key] = _validate_section(file, key, section, raw.sections[key], problems)
    report = _Report(raw, problems)
    _check_dates(raw, report, today)
    _check_emergency(sections, report)
    _check_medicines(raw, sections, report, today)
    _check_fetched(sections, report)
    _check_people(raw, sections, report)
    _check_idp(raw, sections, school, report)
    if school is not None and raw.nation and raw.nation is not school.nation:
        report.at_cell(
            None,
            "",
            f"this is the {raw.nation.value} form but the school details say {school.nation.value}",
            "use the form for your nation (forms/ihp-intake-wales.xlsx for Wales)",
            Severity.WARNING,
        )
    plan = None
    if school is not None and not any(problem.is_error for problem in problems):
        plan = _make_plan(raw, school, sections, report)
    if raw.nation is not None and raw.nation is not Nation.ENGLAND:
        # The form speaks the nation's words (learner, ALNCo): so do the problems about it.
        problems[:] = [
            replace(
                problem,
                sheet=reword(problem.sheet, raw.nation),
                field=reword(problem.field, raw.nation),
                message=reword(problem.message, raw.nation),
                hint=reword(problem.hint, raw.nation),
            )
            for problem in problems
        ]
    return Checked(raw.path, plan, problems)


def _make_plan(
    raw: RawIntake, school: School, sections: dict[str, Section | None], report: _Report
) -> Plan | None:
    parts = {key: section for key, section in sections.items() if section is not None}
    parts.setdefault("idp", Idp())
    try:
        return Plan(school=school, form_version=raw.version or "", **parts)  # type: ignore[arg-type]
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            context = detail.get("ctx") or {}
            key, _, name = str(context.get("field", "")).partition(".")
            message, hint = detail["msg"], str(context.get("hint", "check this box"))
            if key in SECTIONS and name in SECTIONS[key].model_fields:
                report.at(key, name, message, hint, Severity.ERROR)
            else:
                report.at_cell(None, "", message, hint, Severity.ERROR)
        return None


def validate_school(raw: RawIntake) -> tuple[School | None, list[Problem]]:
    """Check the school details workbook."""
    problems = list(raw.problems)
    if raw.refused:
        return None, problems
    if raw.kind is not FormKind.SCHOOL or "school" not in raw.sections:
        problems.append(
            Problem(
                raw.path.name,
                "",
                "",
                "",
                "this is not the school details workbook",
                f"give the school details workbook (a copy of forms/{SCHOOL_FORM})",
            )
        )
        return None, problems
    school = _validate_section(raw.path.name, "school", School, raw.sections["school"], problems)
    if any(problem.is_error for problem in problems):
        return None, problems
    return school if isinstance(school, School) else None, problems


# --------------------------------------------------------------------------------------------
# A folder (or one workbook) at a time


def _unexpected(path: Path) -> Problem:
    return Problem(
        path.name,
        "",
        "",
        "",
        "ihp could not check this workbook because of an unexpected error in ihp itself",
        "please report it (run `ihp -v check` on this file for details); other workbooks "
        "were still checked",
    )


def _needs_school(path: Path) -> Problem:
    return Problem(
        path.name,
        "",
        "",
        "",
        "no plan can be made from this workbook until the school details are fixed (the "
        "emergency sheet needs the school's address and phone numbers)",
        "fix the school details problem listed above, then check again",
    )


def _safe_read(path: Path) -> RawIntake:
    try:
        return read_workbook(path)
    except Exception:
        return RawIntake(path=path, problems=[_unexpected(path)])


def _find_school(folder: Path, reads: Iterable[RawIntake]) -> tuple[Path | None, list[Problem]]:
    schools = [raw.path for raw in reads if raw.kind is FormKind.SCHOOL]
    if len(schools) == 1:
        return schools[0], []
    if len(schools) > 1:
        named = [path for path in schools if path.name.casefold() == SCHOOL_FILE]
        if named:
            return named[0], []
        names = ", ".join(path.name for path in schools)
        return None, [
            Problem(
                names,
                "",
                "",
                "",
                f"there is more than one school details workbook in {folder.name}: {names}",
                f"keep one, named {SCHOOL_FILE}, and move the others out of the folder",
            )
        ]
    return None, [
        Problem(
            SCHOOL_FILE,
            "",
            "",
            "",
            f"there is no school details workbook in the folder {folder.name or folder}",
            f"copy forms/{SCHOOL_FORM} into the folder as {SCHOOL_FILE}, fill it in once for "
            "the school, and check again",
        )
    ]


def _school_beside(workbook: Path) -> list[RawIntake]:
    """School details for a single pupil workbook: school.xlsx beside it, or any school form."""
    folder = workbook.parent
    others = [path for path in workbooks_in(folder) if path.resolve() != workbook.resolve()]
    others.sort(key=lambda path: path.name.casefold() != SCHOOL_FILE)
    for path in others:
        identity = form_identity(path)
        if identity and identity.kind is FormKind.SCHOOL:
            return [_safe_read(path)]
    return []


def named_school_file(workbooks: list[Path]) -> Path | None:
    """The workbook named `school.xlsx` (any case) among a folder's, if there is one."""
    return next((book for book in workbooks if book.name.casefold() == SCHOOL_FILE), None)


def check_intake(
    path: Path,
    *,
    school_file: Path | None = None,
    today: date | None = None,
    cache: CheckCache | None = None,
) -> Intake:
    """Check a folder of intake workbooks (or one workbook) with the school's details.

    Every workbook is checked even when others are broken; bad input becomes problems, never an
    exception. Only a path that does not exist at all is an error. With a `cache` (`ihp build`),
    a workbook checked earlier today against the same school details is not read again. Big
    folders are read by a pool of processes, one per core.
    """
    if not path.exists():
        raise InvalidInputError(
            f"{path} does not exist", "give the folder of intake workbooks, or one workbook"
        )
    today = today or date.today()
    folder = path if path.is_dir() else path.parent
    workbooks = workbooks_in(path) if path.is_dir() else [path]
    school_problems: list[Problem] = []
    school_path: Path | None = None
    school: School | None = None
    known = school_file or (named_school_file(workbooks) if path.is_dir() else None)
    remembered_school = cache.recall_school(known) if cache and known else None
    if remembered_school is not None and known is not None:
        school_path, (school, school_problems) = known, remembered_school
    elif school_file is not None:
        school_path = school_file
        school, school_problems = validate_school(read_school(school_file))
    elif known is not None:
        first = _safe_read(known)
        if first.kind is FormKind.SCHOOL:
            school_path = known
            school, school_problems = validate_school(first)
    if school_path is not None:
        # The school's details are known first, so each pupil's workbook is read and checked in
        # one go (in a worker, for a big folder) and only its plan is kept: memory stays flat.
        recalled: dict[Path, Checked] = {}
        # Remembered plans hold the school's details: only valid while those are unchanged.
        if cache is not None and cache.same_school(school_path):
            for workbook in workbooks:
                remembered = cache.recall(workbook)
                if remembered is not None:
                    recalled[workbook] = Checked(workbook, *remembered)
        school_resolved = school_path.resolve()
        to_check = [
            book for book in workbooks if book not in recalled and book.resolve() != school_resolved
        ]
        check_one = functools.partial(_check_pupil, school=school, today=today)
        fresh = [checked for checked in map_in_pool(check_one, to_check) if checked is not None]
        pupils = [*recalled.values(), *fresh]
    else:
        school_raw, school, school_problems, pupils = _check_without_school_first(
            path, folder, workbooks, today
        )
        school_path = school_raw.path if school_raw else None
    order = {workbook: index for index, workbook in enumerate(workbooks)}
    pupils.sort(key=lambda checked: order.get(checked.path, len(order)))
    _flag_duplicates(pupils)
    return Intake(
        school_file=school_path,
        school=school,
        school_problems=school_problems,
        pupils=pupils,
    )


def _check_pupil(workbook: Path, *, school: School | None, today: date) -> Checked | None:
    """Read and check one pupil's workbook; None when it is a school details form instead."""
    raw = _safe_read(workbook)
    return None if raw.kind is FormKind.SCHOOL else _check_raw(raw, school, today)


def _check_raw(raw: RawIntake, school: School | None, today: date) -> Checked:
    try:
        checked = validate(raw, school, today=today)
    except Exception:
        checked = Checked(raw.path, None, [*raw.problems, _unexpected(raw.path)])
    if school is None and not raw.refused:
        checked.problems.append(_needs_school(raw.path))
    return checked


def _check_without_school_first(
    path: Path, folder: Path, workbooks: list[Path], today: date
) -> tuple[RawIntake | None, School | None, list[Problem], list[Checked]]:
    """A folder without `school.xlsx` (or one workbook): every workbook is read first, to find
    the school details among them, then the pupils' are checked."""
    reads = list(map_in_pool(_safe_read, workbooks))
    candidates = reads if path.is_dir() else [*reads, *_school_beside(path)]
    found, school_problems = _find_school(folder, candidates)
    school_raw = next((raw for raw in candidates if raw.path == found), None)
    school = None
    if school_raw is not None:
        school, problems = validate_school(school_raw)
        school_problems.extend(problems)
    pupils = [_check_raw(raw, school, today) for raw in reads if raw.kind is not FormKind.SCHOOL]
    return school_raw, school, school_problems, pupils


def _flag_duplicates(pupils: list[Checked]) -> None:
    """Two workbooks for the same pupil would overwrite each other's documents."""
    seen: dict[tuple[str, date], Checked] = {}
    for checked in pupils:
        if checked.plan is None:
            continue
        pupil = checked.plan.pupil
        key = (" ".join(pupil.legal_name.casefold().split()), pupil.date_of_birth)
        if key in seen:
            checked.problems.append(
                Problem(
                    checked.path.name,
                    "",
                    "",
                    "",
                    f"{seen[key].path.name} is for the same pupil (same name and date of birth)",
                    "keep one workbook per pupil: move the older one out of the folder",
                    Severity.ERROR,
                )
            )
            checked.plan = None
        else:
            seen[key] = checked


# --------------------------------------------------------------------------------------------
# An annotated copy for the SENCo


_ERROR_FILL = PatternFill("solid", start_color="FF9C9C", end_color="FF9C9C")
_WARNING_FILL = PatternFill("solid", start_color="FFD966", end_color="FFD966")


def annotate_workbook(checked: Checked, dest: Path) -> Path:
    """Write a copy of the workbook with each problem cell filled red (error) or amber
    (warning) and commented with what is wrong and what to do. The original is not touched.

    `dest` is a folder (the copy is named `<name>-checked.xlsx`) or a file path.
    """
    target = (
        dest / f"{checked.path.stem}-checked.xlsx" if dest.is_dir() or not dest.suffix else dest
    )
    if target.resolve() == checked.path.resolve():
        raise OutputError(
            "the annotated copy would overwrite the workbook being checked",
            "choose another folder for the annotated copies",
        )
    try:
        # Never copy what the reader refused (macros, DDE formulas, links, oversized files).
        inspect_package(checked.path)
    except (Refused, OSError):
        raise InvalidInputError(
            f"{checked.path.name} was refused, so no annotated copy was written",
            "fix what the check says about the whole file first",
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(checked.path.read_bytes()))
    except Exception as error:
        raise InvalidInputError(
            f"{checked.path.name} cannot be opened, so no annotated copy was written",
            "open it in Excel and save it as an Excel Workbook (.xlsx)",
        ) from error
    notes: dict[tuple[str, str], list[Problem]] = {}
    for problem in checked.problems:
        if problem.sheet in wb.sheetnames and problem.cell:
            notes.setdefault((problem.sheet, problem.cell), []).append(problem)
    for (sheet, coordinate), problems in notes.items():
        cell = wb[sheet][coordinate]
        is_error = any(problem.is_error for problem in problems)
        text = "\n\n".join(
            f"{'Mistake' if p.is_error else 'Warning'}: {p.message}.\nWhat to do: {p.hint}."
            for p in problems
        )
        try:
            cell.fill = _ERROR_FILL if is_error else _WARNING_FILL
            comment = Comment(text, "ihp check")
            comment.width = 320
            comment.height = 60 + 18 * (len(text) // 40 + text.count("\n"))
            cell.comment = comment
        except AttributeError:
            continue  # a merged cell other than the top-left one cannot hold a comment
    partial = target.with_name(f".{target.name}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        wb.save(partial)
        partial.replace(target)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise OutputError(
            f"could not write {target}: {error.strerror or error}",
            "choose a folder you can write to for the annotated copies",
        ) from error
    return target


def annotate_intake(intake: Intake, folder: Path) -> list[Path]:
    """Annotated copies of every workbook with a problem in a cell, including the school's."""
    checked = list(intake.pupils)
    if intake.school_file is not None:
        checked.insert(0, Checked(intake.school_file, None, intake.school_problems))
    written = []
    for workbook in checked:
        if any(problem.cell for problem in workbook.problems):
            try:
                written.append(annotate_workbook(workbook, folder))
            except InvalidInputError:
                continue  # refused or unreadable: its problem already says so
    return written
