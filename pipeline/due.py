"""`ihp due`: what needs doing across a folder of plans, soonest first.

A plan is a cycle, not a document: reviews fall due, medicines expire, training lapses, plans
wait for a healthcare professional's agreement. Each kind of task is one small function of a
plan in `TASK_KINDS`, so a new kind is one function and one line. The calendar export carries
only the pupil's initials and the kind of task: a calendar is shared and synced far more widely
than the plans themselves.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event

from pipeline.errors import UsageError
from pipeline.files import write_atomically
from pipeline.idp import ADVICE_OVERDUE_WEEKS, overdue_advice, weeks_waiting
from pipeline.model import MedicineUse, Plan
from pipeline.validate import VOICE_LEADS_AT, check_intake, medicine_words
from pipeline.wording import terms, uk_date


@dataclass(frozen=True)
class Task:
    """One thing to do for one pupil, by a date."""

    due: date
    #: the kind of task, with no health details: it is all a calendar event says
    kind: str
    pupil: str
    initials: str
    #: the full detail, for the table and the CSV only (may name a medicine)
    detail: str
    workbook: Path

    @property
    def summary(self) -> str:
        """The calendar event's text: kind of task and initials, nothing more."""
        return f"{self.kind} — {self.initials}"

    @property
    def uid(self) -> str:
        """Stable across runs, so re-importing the calendar updates events, not doubles them."""
        key = "\x1f".join((self.workbook.name, self.kind, self.detail, self.due.isoformat()))
        return f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@ihp"


@dataclass(frozen=True)
class Window:
    """Today and how far ahead to look."""

    today: date
    until: date


TaskKind = Callable[[Plan, Path, Window], list[Task]]


def initials(legal_name: str) -> str:
    """`Jo Anne Smith` -> `J.S.`: first and last name's first letters."""
    parts = legal_name.split()
    if not parts:
        return "?"
    letters = [parts[0][0]] + ([parts[-1][0]] if len(parts) > 1 else [])
    return "".join(f"{letter.upper()}." for letter in letters)


def _task(plan: Plan, workbook: Path, due: date, kind: str, detail: str) -> Task:
    return Task(
        due=due,
        kind=kind,
        pupil=plan.pupil_name,
        initials=initials(plan.pupil.legal_name),
        detail=detail,
        workbook=workbook,
    )


def _passed(day: date, window: Window) -> str:
    return "passed on" if day < window.today else "on"


def review_due(plan: Plan, workbook: Path, window: Window) -> list[Task]:
    """The review date has passed or falls within the window."""
    review = plan.agreement.review_date
    if review > window.until:
        return []
    detail = f"review date {_passed(review, window)} {uk_date(review)}: hold the review meeting"
    return [_task(plan, workbook, review, "IHP review due", detail)]


def medicine_expiry(plan: Plan, workbook: Path, window: Window) -> list[Task]:
    """A medicine has expired or expires within the window."""
    return [
        _task(
            plan,
            workbook,
            medicine.expiry,
            "Medicine expires",
            f"{medicine.name} {'expired' if medicine.expiry < window.today else 'expires'} "
            f"on {uk_date(medicine.expiry)}: ask the family for a new supply",
        )
        for medicine in plan.medicines.medicines
        if medicine.expiry and medicine.expiry <= window.until
    ]


def training_renewal(plan: Plan, workbook: Path, window: Window) -> list[Task]:
    """A member of staff's training is due for renewal within the window (or was)."""
    return [
        _task(
            plan,
            workbook,
            row.renewal_date,
            "Staff training renewal",
            f"{row.staff_name}: {row.training} (renew by {uk_date(row.renewal_date)})",
        )
        for row in plan.training.training
        if row.renewal_date and row.renewal_date <= window.until
    ]


def untrained_emergency_medicine(plan: Plan, workbook: Path, window: Window) -> list[Task]:
    """An emergency medicine nobody in date is signed off competent to give (as `ihp check`
    decides: training whose words name the medicine, its route or its condition)."""
    signed_off = [
        row
        for row in plan.training.training
        if row.competent and not (row.renewal_date and row.renewal_date < window.today)
    ]
    tasks = []
    for medicine in plan.medicines.medicines:
        if medicine.use is not MedicineUse.EMERGENCY:
            continue
        words = medicine_words(medicine)
        if not any(word in row.training.casefold() for row in signed_off for word in words):
            tasks.append(
                _task(
                    plan,
                    workbook,
                    window.today,
                    "Train staff for emergency medicine",
                    f"nobody is signed off competent to give {medicine.name}",
                )
            )
    return tasks


def agreement_awaited(plan: Plan, workbook: Path, window: Window) -> list[Task]:
    """No healthcare professional has agreed the plan yet (due from the plan date)."""
    if plan.agreement.is_agreed:
        return []
    detail = "no healthcare professional has agreed the plan yet"
    return [_task(plan, workbook, plan.agreement.plan_date, "IHP agreement awaited", detail)]


def pupil_views(plan: Plan, workbook: Path, window: Window) -> list[Task]:
    """A pupil who is (or turns, within the window) 14 has no views of their own recorded."""
    voice = plan.voice
    if voice.want_staff_to_know or voice.how_to_help or voice.what_worries_me:
        return []
    born = plan.pupil.date_of_birth
    try:
        fourteenth = born.replace(year=born.year + VOICE_LEADS_AT)
    except ValueError:  # born on 29 February
        fourteenth = date(born.year + VOICE_LEADS_AT, 3, 1)
    if fourteenth > window.until:
        return []
    pupil = terms(plan.school.nation)["pupil"]
    detail = f"the {pupil} is {VOICE_LEADS_AT} or over: record their own views in the plan"
    return [_task(plan, workbook, fourteenth, f"Record {pupil}'s views", detail)]


def idp_advice_overdue(plan: Plan, workbook: Path, window: Window) -> list[Task]:
    """Wales: health or social care advice for the IDP pending more than six weeks (due the day
    it became overdue, so the oldest request is chased first)."""
    tasks = []
    for need in overdue_advice(plan, window.today):
        assert need.advice_requested is not None  # overdue_advice keeps dated requests only
        weeks = weeks_waiting(need, window.today)
        detail = (
            f"{need.area.value}: advice requested on {uk_date(need.advice_requested)}, "
            f"pending {weeks} weeks: chase {need.provided_by or 'health or social care'}"
        )
        overdue_on = need.advice_requested + timedelta(weeks=ADVICE_OVERDUE_WEEKS, days=1)
        tasks.append(_task(plan, workbook, overdue_on, "Chase IDP advice", detail))
    return tasks


#: every kind of task `ihp due` lists; add a kind by adding a function here
TASK_KINDS: list[TaskKind] = [
    review_due,
    medicine_expiry,
    training_renewal,
    untrained_emergency_medicine,
    agreement_awaited,
    pupil_views,
    idp_advice_overdue,
]


@dataclass
class DueList:
    """Everything due in an intake folder, and the workbooks that could not be read."""

    window: Window
    tasks: list[Task] = field(default_factory=list)
    #: one line per workbook skipped because it needs fixing
    skipped: list[str] = field(default_factory=list)
    #: "pupil", or "learner" for a Welsh school: the table's column says it
    pupil_word: str = "pupil"


_SPAN = re.compile(r"^\s*(\d{1,4})\s*([dwm])\s*$", re.IGNORECASE)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (the month's last day if it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window_from(within: str, today: date) -> Window:
    """`30d`, `6w` or `2m` from today."""
    match = _SPAN.match(within)
    if not match:
        raise UsageError(
            f"'{within}' is not a length of time ihp understands",
            "give days, weeks or months, e.g. --within 30d, --within 6w or --within 2m",
        )
    count, unit = int(match.group(1)), match.group(2).lower()
    if unit == "m":
        return Window(today, add_months(today, count))
    return Window(today, today + timedelta(days=count * (7 if unit == "w" else 1)))


def due_tasks(
    intake: Path,
    window: Window,
    *,
    school_file: Path | None = None,
    kinds: list[TaskKind] | None = None,
) -> DueList:
    """Every task in the intake folder, soonest first; workbooks needing fixing are skipped."""
    checked = check_intake(intake, school_file=school_file, today=window.today)
    result = DueList(window)
    if checked.school is not None:
        result.pupil_word = terms(checked.school.nation)["pupil"]
    if checked.school is None and checked.school_problems:
        result.skipped.append(
            f"{checked.school_file.name if checked.school_file else 'school.xlsx'}: the school "
            "details need fixing (run ihp check)"
        )
    for pupil in checked.pupils:
        if not pupil.ok or pupil.plan is None:
            count = len(pupil.errors)
            result.skipped.append(
                f"{pupil.path.name}: skipped, {count} problem{'s' if count != 1 else ''} to fix "
                "(run ihp check)"
            )
            continue
        for kind in kinds if kinds is not None else TASK_KINDS:
            result.tasks.extend(kind(pupil.plan, pupil.path, window))
    result.tasks.sort(key=lambda task: (task.due, task.pupil.casefold(), task.kind))
    return result


CSV_COLUMNS = ("due", "pupil", "task", "detail", "workbook")


def write_csv(tasks: list[Task], dest: Path) -> Path:
    """The full table as CSV (UTF-8 with a BOM, so Excel shows names with accents rightly)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for task in tasks:
        writer.writerow(
            (task.due.isoformat(), task.pupil, task.kind, task.detail, task.workbook.name)
        )
    return write_atomically(dest, text.getvalue().encode("utf-8-sig"))


def write_ics(tasks: list[Task], dest: Path, *, today: date, stamp: datetime | None = None) -> Path:
    """An iCalendar file (RFC 5545): one all-day event per task, named by kind and initials.

    A task already overdue is put on today, marked overdue, so it is not lost in the past.
    """
    ics = Calendar()
    ics.add("prodid", "-//ihp//Individual Healthcare Plans//EN")
    ics.add("version", "2.0")
    ics.add("calscale", "GREGORIAN")
    stamp = stamp or datetime.now(UTC)
    for task in tasks:
        day = max(task.due, today)
        event = Event()
        event.add("uid", task.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        overdue = " (overdue)" if task.due < today else ""
        event.add("summary", f"{task.summary}{overdue}")
        event.add(
            "description",
            f"{task.summary.rstrip('.')}. Run ihp due on the intake folder for the details.",
        )
        event.add("transp", "TRANSPARENT")
        ics.add_component(event)
    return write_atomically(dest, ics.to_ical())
