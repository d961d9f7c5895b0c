"""The build report a SENCo reads: what was made, what was already up to date, what needs fixing.

Written into the output folder as `report.html` (opens in any browser, no scripts, nothing
fetched from the internet) and `report.txt`. Every problem is given with its workbook, its
`sheet!cell`, what is wrong and what to type instead.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pipeline.files import write_atomically
from pipeline.manifest import BuildReport, PupilOutcome, Status
from pipeline.wording import terms

KIND_NAMES = {
    "IHP": "Healthcare plan",
    "Emergency": "Emergency sheet",
    "ParentLetter": "Parent letter",
    "TrainingRecord": "Training record",
    "bundle": "PDF bundle",
}


def where(problem: Any) -> str:
    """`Sheet!B4` (or just the sheet, or nothing) for a problem."""
    sheet = getattr(problem, "sheet", None)
    cell = getattr(problem, "cell", None)
    if sheet and cell:
        return f"{sheet}!{cell}"
    return str(sheet or cell or "")


def is_error(problem: Any) -> bool:
    return bool(getattr(problem, "is_error", True))


def problem_line(problem: Any) -> str:
    """One problem as `ihp check` lays it out: file · sheet!cell · field · message · what to do."""
    parts = [Path(str(getattr(problem, "file", "") or "")).name, where(problem)]
    parts.append(str(getattr(problem, "field", "") or ""))
    parts.append(str(getattr(problem, "message", problem)))
    hint = getattr(problem, "hint", "")
    if hint:
        parts.append(f"what to do: {hint}")
    return " · ".join(part for part in parts if part)


def write_reports(report: BuildReport) -> tuple[Path, Path]:
    """Write `report.html` and `report.txt` atomically; return their paths."""
    page = write_atomically(report.output / "report.html", render_html(report).encode("utf-8"))
    text = write_atomically(report.output / "report.txt", render_text(report).encode("utf-8"))
    return page, text


def _by_status(report: BuildReport, status: Status) -> list[PupilOutcome]:
    return [pupil for pupil in report.pupils if pupil.status is status]


def _date(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _who(pupil: PupilOutcome) -> str:
    return pupil.name or pupil.workbook.name


# --- plain text ---------------------------------------------------------------------------------


def render_text(report: BuildReport) -> str:
    lines = [
        "ihp build report",
        f"Built {report.built_at:%d/%m/%Y at %H:%M} from {report.intake}",
        f"Result: {report.summary()}",
        "",
    ]
    if report.school_problems:
        lines.append("SCHOOL DETAILS NEED FIXING (every plan uses them)")
        lines += [f"  - {problem_line(problem)}" for problem in report.school_problems]
        lines.append("")
    invalid = _by_status(report, Status.INVALID)
    if invalid:
        lines.append("NEEDS FIXING (not built; fix the workbook and run ihp build again)")
        for pupil in invalid:
            lines.append(f"  {pupil.workbook.name}")
            lines += [f"    - {reason}" for reason in pupil.reasons]
        lines.append("")
    failed = _by_status(report, Status.FAILED)
    if failed:
        lines.append("FAILED (the workbook is fine; making the documents went wrong)")
        for pupil in failed:
            lines.append(f"  {_who(pupil)} ({pupil.workbook.name})")
            lines += [f"    - {reason}" for reason in pupil.reasons]
        lines.append("")
    for status, title in (
        (Status.BUILT, "BUILT"),
        (Status.UNCHANGED, "UNCHANGED (already up to date)"),
    ):
        pupils = _by_status(report, status)
        if not pupils:
            continue
        lines.append(title)
        for pupil in pupils:
            lines.append(f"  {_who(pupil)} ({pupil.workbook.name})")
            lines += [f"    {output.file}" for output in pupil.outputs]
            lines += [f"    ! {problem_line(problem)}" for problem in pupil.problems]
        lines.append("")
    return "\n".join(lines)


# --- HTML ---------------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, "Segoe UI", Arial, sans-serif; margin: 2rem auto; max-width: 60rem;
       padding: 0 1rem; color: #111; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid #ccc; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.summary { font-size: 1.15rem; font-weight: 600; }
.fix h2 { border-color: #b00020; } .failed h2 { border-color: #b00020; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border: 1px solid #ccc; }
th { background: #f1f1f1; }
td.where { white-space: nowrap; font-family: ui-monospace, Consolas, monospace; }
.warning { color: #7a4d00; }
.muted { color: #555; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th scope='col'>{_e(header)}</th>" for header in headers)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _problem_rows(problems: Iterable[Any]) -> list[list[str]]:
    return [
        [
            f"<td class='where'>{_e(where(problem) or '—')}</td>",
            f"<td>{'' if is_error(problem) else '<span class=warning>⚠ warning:</span> '}"
            f"{_e(getattr(problem, 'message', problem))}</td>",
            f"<td>{_e(getattr(problem, 'hint', '') or '')}</td>",
        ]
        for problem in sorted(problems, key=lambda problem: not is_error(problem))
    ]


def _links(pupil: PupilOutcome) -> str:
    items = [
        f"<a href='{_e(quote(output.file))}'>{_e(KIND_NAMES.get(output.kind, output.kind))}</a>"
        for output in pupil.outputs
    ]
    return " · ".join(items) or "<span class='muted'>none</span>"


def render_html(report: BuildReport) -> str:
    parts = [
        "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>ihp build report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Healthcare plans: build report</h1>",
        f"<p class='muted'>Built {report.built_at:%d/%m/%Y at %H:%M} from {_e(report.intake)}.</p>",
        f"<p class='summary'>{_e(report.summary())}.</p>",
    ]
    if not report.pdf:
        parts.append("<p class='muted'>Word files only: PDF bundles were not made (--no-pdf).</p>")
    if report.school_problems:
        parts.append("<section class='fix'><h2>School details need fixing</h2>")
        parts.append(
            "<p>Every plan uses these details, so no plan could be made until they are fixed.</p>"
        )
        parts.append(
            _table(["Where", "What is wrong", "What to do"], _problem_rows(report.school_problems))
        )
        parts.append("</section>")
    invalid = _by_status(report, Status.INVALID)
    if invalid:
        parts.append("<section class='fix'><h2>Needs fixing</h2>")
        parts.append(
            "<p>These workbooks were not built. Fix each problem below, save the workbook, "
            "and run <code>ihp build</code> again: everyone else is already done.</p>"
        )
        for pupil in invalid:
            parts.append(f"<h3>{_e(pupil.workbook.name)}</h3>")
            if pupil.problems:
                parts.append(
                    _table(["Where", "What is wrong", "What to do"], _problem_rows(pupil.problems))
                )
            else:
                parts.append(
                    "<ul>" + "".join(f"<li>{_e(reason)}</li>" for reason in pupil.reasons) + "</ul>"
                )
        parts.append("</section>")
    failed = _by_status(report, Status.FAILED)
    if failed:
        parts.append("<section class='failed'><h2>Failed</h2>")
        parts.append(
            "<p>These workbooks are fine, but their documents could not be made. "
            "Nothing half-made was left behind; run <code>ihp build</code> again to retry.</p>"
        )
        rows = [
            [
                f"<td>{_e(_who(pupil))}</td>",
                f"<td>{_e(pupil.workbook.name)}</td>",
                "<td>" + "<br>".join(_e(reason) for reason in pupil.reasons) + "</td>",
            ]
            for pupil in failed
        ]
        parts.append(_table([terms(report.nation)["Pupil"], "Workbook", "Why"], rows))
        parts.append("</section>")
    for status, title, note in (
        (Status.BUILT, "Built", "Made in this run."),
        (
            Status.UNCHANGED,
            "Unchanged",
            "Nothing changed since the last build, so these were left as they were.",
        ),
    ):
        pupils = _by_status(report, status)
        if not pupils:
            continue
        parts.append(f"<section><h2>{title}</h2><p class='muted'>{note}</p>")
        rows = []
        for pupil in pupils:
            warnings = "".join(
                f"<div class='warning'>⚠ {_e(where(problem) + ': ' if where(problem) else '')}"
                f"{_e(getattr(problem, 'message', problem))}"
                f"{_e(' — ' + problem.hint) if getattr(problem, 'hint', '') else ''}</div>"
                for problem in pupil.problems
            )
            rows.append(
                [
                    f"<td>{_e(_who(pupil))}</td>",
                    f"<td>{_e(_date(pupil.review_date))}</td>",
                    f"<td>{_links(pupil)}{warnings}</td>",
                ]
            )
        parts.append(
            _table([terms(report.nation)["Pupil"], "Review by", "Files and warnings"], rows)
        )
        parts.append("</section>")
    parts.append(
        f"<p class='muted'>ihp {_e(report.tool_version)}, intake form version "
        f"{_e(report.form_version)}. The files in this folder hold health information about "
        "children: keep them where only the people who need them can read them.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)
