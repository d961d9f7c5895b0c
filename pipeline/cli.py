"""The `ihp` command line: parses options, calls the library, prints the outcome.

No openpyxl, docxtpl or subprocess here. Errors become a message and an exit code in exactly one
place (`IhpGroup.invoke`); tracebacks only with `-v`.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

from pipeline.errors import ExitCode, IhpError, OutputError

#: messages for the operator go to stderr; stdout is kept for data (--json, tables)
console = Console(stderr=True, highlight=False)

_log = logging.getLogger(__name__)

#: OSErrors about writing that no stage turned into an OutputError still exit 6, not 1
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


class IhpGroup(click.Group):
    """Turns every IhpError into its message and exit code, and Ctrl-C into 130."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IhpError as error:
            if ctx.obj and ctx.obj.get("verbose"):
                console.print_exception()
            console.print(f"[bold red]Error:[/] {error.message}", soft_wrap=True)
            if error.hint:
                console.print(f"  What to do: {error.hint}", soft_wrap=True)
            ctx.exit(int(error.exit_code))
        except KeyboardInterrupt:
            _log.warning("stopped by Ctrl-C")
            console.print(
                "Stopped (Ctrl-C). Finished files were kept; nothing half-written was left."
            )
            ctx.exit(int(ExitCode.INTERRUPTED))
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as error:
            # No traceback for the SENCo (only with -v); the log gets the kind of error only,
            # since an exception's text may quote a pupil's details.
            if ctx.obj and ctx.obj.get("verbose"):
                console.print_exception()
            _log.error("stopped by an unexpected %s", type(error).__name__)
            if isinstance(error, OSError) and error.errno in _OUTPUT_ERRNOS:
                console.print(
                    f"[bold red]Error:[/] a file could not be written: {error.strerror}",
                    soft_wrap=True,
                )
                console.print(
                    "  What to do: check there is free disk space and that you may write to the "
                    "output folder, or choose another one with -o",
                    soft_wrap=True,
                )
                ctx.exit(int(ExitCode.OUTPUT_FAILED))
            console.print(
                f"[bold red]Error:[/] ihp stopped because of an unexpected error inside ihp "
                f"itself ({type(error).__name__}). Files already finished were kept.",
                soft_wrap=True,
            )
            console.print(
                "  What to do: run the same command again with -v and report what it prints",
                soft_wrap=True,
            )
            ctx.exit(int(ExitCode.INTERNAL))


def start_log(ctx: click.Context, path: Path | None) -> None:
    """`--log FILE`: append what ihp does to FILE (readable only by its owner on POSIX).

    Only the `pipeline` loggers write there, and they log stages, counts, exit codes and
    pseudonymous references (the start of a workbook's SHA-256, as in manifest.json): never a
    pupil's name, date of birth or health details, nor any file name, since those hold names.
    """
    if path is None:
        return
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as error:
        raise OutputError(
            f"cannot write the log file {path}: {error.strerror}",
            "choose a file in a folder you may write to with --log",
        ) from None
    handler = logging.StreamHandler(os.fdopen(descriptor, "a", encoding="utf-8"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("pipeline")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)

    def stop() -> None:
        logger.removeHandler(handler)
        handler.close()

    ctx.call_on_close(stop)
    _log.info("ihp %s started", ctx.info_name)


@click.group(cls=IhpGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ihp")
@click.option(
    "-v", "--verbose", is_flag=True, help="Show full error details (for reporting a bug)."
)
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Individual Healthcare Plans from intake workbooks.

    \b
    Typical use after a round of meetings:
      ihp form                 write the blank intake workbook (forms/)
      ihp check intake/        find every mistake in the filled workbooks
      ihp build intake/        make the Word plans and archival PDF bundles

    Exit codes: 0 fine, 2 usage, 3 a workbook needs fixing, 4 LibreOffice missing,
    5 conversion failed, 6 output could not be written, 7 template problem,
    8 email failed, 130 stopped with Ctrl-C.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


def main() -> None:
    """Console-script entry point."""
    from pipeline.workers import allow_pools

    allow_pools()  # the entry points are guarded, so spawned workers may import them
    try:
        cli.main(prog_name="ihp", standalone_mode=True)
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else int(done.code is not None)
    _leave(code)


def _leave(code: int) -> NoReturn:
    """Exit without Python tearing down every module it imported, a quarter of a second of a
    SENCo's wait after every command. What must happen at exit runs first: the atexit
    handlers (LibreOffice killed, log files flushed and closed), then the standard streams.
    Every file ihp writes is closed (and synced) before this."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


# --- commands -------------------------------------------------------------------------------
# Each command: parse options, one call into the library, print. Keep them short.


@cli.command("build")
@click.argument("intake", type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder for the Word files, PDF bundles, manifest.json and report.html.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="LibreOffice processes to run at once.  [default: number of cores]",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=240.0,
    show_default=True,
    help="Seconds LibreOffice may take for one document (for a batch, when it runs without "
    "UNO) before it is stopped.",
)
@click.option("--force", is_flag=True, help="Rebuild every pupil, even when nothing changed.")
@click.option("--no-pdf", is_flag=True, help="Make only the Word files (no LibreOffice needed).")
@click.option(
    "--soffice",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where LibreOffice's soffice program is, if it is not found by itself.",
)
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder with the school's own Word templates.",
)
@click.option(
    "--school",
    "school_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The school details workbook, if it is not in the intake folder.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no problem list.")
@click.option(
    "--log",
    "log_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the stages of the build to this file: pupils by reference, never names or "
    "health details.",
)
@click.pass_context
def build_command(
    ctx: click.Context,
    intake: Path,
    output: Path,
    jobs: int | None,
    timeout: float,
    force: bool,
    no_pdf: bool,
    soffice: Path | None,
    templates: Path | None,
    school_file: Path | None,
    quiet: bool,
    log_file: Path | None,
) -> None:
    """Make the Word plans, emergency sheets, parent letters and PDF bundles.

    INTAKE is the folder of filled intake workbooks (or one workbook). Workbooks with mistakes
    are listed as `ihp check` lists them and skipped; everyone else is built. A pupil whose
    workbook, school details and templates have not changed since the last build is left as it
    is. Exit codes: 0 all built, 3 a workbook needs fixing, 4 LibreOffice missing, 5 conversion
    failed, 6 output could not be written, 130 stopped with Ctrl-C.
    """
    from pipeline.build import BuildOptions, build
    from pipeline.build_console import build_progress, print_build_failures
    from pipeline.manifest import Status

    start_log(ctx, log_file)
    options = BuildOptions(
        jobs=jobs,
        timeout=timeout,
        force=force,
        no_pdf=no_pdf,
        soffice=soffice,
        templates=templates,
        school_file=school_file,
    )
    with build_progress(console, enabled=not quiet and console.is_terminal) as progress:
        report = build(intake, output, options=options, progress=progress)
    if not quiet:
        # Workbooks that need fixing are listed exactly as `ihp check` lists them.
        if report.school_problems:
            problems = report.school_problems
            print_workbook_problems(console, report.school_file, "school details", problems, False)
        for pupil in report.pupils:
            if pupil.status is Status.INVALID:
                print_workbook_problems(console, pupil.workbook, "", pupil.problems, False)
        print_build_failures(console, report)
    console.print(f"{report.summary()} — see {output / 'report.html'}", soft_wrap=True)
    _log.info("ihp build finished: exit code %d", int(report.exit_code))
    ctx.exit(int(report.exit_code))


@cli.command("form")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the blank forms to.  [default: the forms/ folder of ihp]",
)
def form_command(output: Path | None) -> None:
    """Write the blank intake workbooks, generated from the plan model.

    \b
    ihp-intake.xlsx        one copy per pupil (England)
    ihp-intake-wales.xlsx  one copy per learner (Wales: adds the IDP health sheet)
    school-details.xlsx    filled in once per school, saved as school.xlsx beside the pupils'
    """
    from pipeline.form import write_forms
    from pipeline.resources import forms_dir

    for path in write_forms(output or forms_dir()):
        console.print(f"Wrote {path}", soft_wrap=True)


@cli.command("check")
@click.argument("intake", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON on stdout.")
@click.option(
    "--annotate",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write a copy of each workbook with problems, bad cells coloured and commented.",
)
@click.option(
    "--school",
    "school_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The school details workbook, if it is not in the intake folder.",
)
@click.option(
    "--log",
    "log_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append what was checked to this file: workbooks by reference, never names or "
    "health details.",
)
@click.pass_context
def check_command(
    ctx: click.Context,
    intake: Path,
    as_json: bool,
    annotate: Path | None,
    school_file: Path | None,
    log_file: Path | None,
) -> None:
    """Find every mistake in the intake workbooks, without building anything.

    INTAKE is the folder of pupil workbooks with the school details (school.xlsx), or one
    pupil workbook. Each problem says the file, sheet and cell, what is wrong and what to type
    instead. Warnings (review due, medicine expiring, nobody trained yet) do not stop a plan.
    Exit codes: 0 every workbook can be built, 3 at least one needs fixing, 6 an annotated
    copy could not be written.
    """
    import json

    from pipeline.validate import annotate_intake, check_intake

    start_log(ctx, log_file)
    result = check_intake(intake, school_file=school_file)
    _log.info(
        "ihp check: %d pupil workbook(s), %d ready, school details %s",
        len(result.pupils),
        sum(1 for pupil in result.pupils if pupil.ok),
        "fine" if result.school is not None else "need fixing",
    )
    annotated = annotate_intake(result, annotate) if annotate else []
    if as_json:
        click.echo(json.dumps(_check_json(result, annotated), indent=2, ensure_ascii=False))
    else:
        _print_check(result, annotated)
    ctx.exit(int(ExitCode.OK if result.ok else ExitCode.INVALID_INPUT))


def _check_json(result: Any, annotated: list[Path]) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "school": {
            "file": str(result.school_file) if result.school_file else None,
            "ok": result.school is not None,
            "problems": [problem.to_dict() for problem in result.school_problems],
        },
        "workbooks": [
            {
                "file": str(pupil.path),
                "ok": pupil.ok,
                "errors": len(pupil.errors),
                "warnings": len(pupil.warnings),
                "problems": [problem.to_dict() for problem in pupil.problems],
            }
            for pupil in result.pupils
        ],
        "annotated": [str(path) for path in annotated],
    }


def _warnings(count: int) -> str:
    return f"{count} warning" if count == 1 else f"{count} warnings"


def print_workbook_problems(
    out: Console, path: Path | None, kind: str, problems: list[Any], fine: Any
) -> None:
    """One workbook's verdict and its problems, errors first (shared by check and build)."""
    from rich.markup import escape

    name = path.name if path else "school.xlsx"
    errors = [problem for problem in problems if problem.is_error]
    warnings = [problem for problem in problems if not problem.is_error]
    label = f"{name} ({kind})" if kind else name
    if errors or not fine:
        counts = f"{len(errors)} to fix" + (f", {_warnings(len(warnings))}" if warnings else "")
        out.print(f"[bold red]✗ {escape(label)}[/]: {counts}")
    elif warnings:
        out.print(f"[bold yellow]! {escape(label)}[/]: ready, {_warnings(len(warnings))}")
    else:
        out.print(f"[bold green]✓ {escape(label)}[/]: ready")
    for problem in [*errors, *warnings]:
        colour, word = ("red", "fix") if problem.is_error else ("yellow", "warning")
        where = " · ".join(part for part in (problem.where, problem.field) if part)
        where = where or "the whole workbook"
        out.print(f"  [{colour}]{word}[/] {escape(where)}", soft_wrap=True)
        out.print(f"      {escape(problem.message)}", soft_wrap=True)
        if problem.hint:
            out.print(f"      [dim]What to do:[/] {escape(problem.hint)}", soft_wrap=True)


def _print_check(result: Any, annotated: list[Path]) -> None:
    """Problems grouped per workbook, errors first, each with where, what and what to do."""
    from rich.markup import escape

    from pipeline.wording import terms

    out = Console(highlight=False)
    groups = [(result.school_file, "school details", result.school_problems, result.school)]
    groups += [(pupil.path, "", pupil.problems, pupil.ok) for pupil in result.pupils]
    for path, kind, problems, fine in groups:
        print_workbook_problems(out, path, kind, problems, fine)
    ready = sum(1 for pupil in result.pupils if pupil.ok)
    pupil_word = terms(result.school.nation)["pupil"] if result.school else "pupil"
    out.print(
        f"\n{ready} of {len(result.pupils)} {pupil_word} workbooks ready to build.",
        style="bold green" if result.ok else "bold",
    )
    for path in annotated:
        out.print(f"Annotated copy: {escape(str(path))}", soft_wrap=True)


@cli.group("templates")
def templates_group() -> None:
    """Use the school's own Word templates (copy the defaults, then check them)."""


@templates_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def templates_export_command(folder: Path) -> None:
    """Copy the default Word templates into FOLDER, to edit in Word.

    Nothing is overwritten. Build with them using `ihp build --templates FOLDER`.
    """
    from pipeline.templates import export_templates

    for path in export_templates(folder):
        click.echo(str(path))
    console.print("Edit them in Word, then run: ihp templates check " + str(folder), soft_wrap=True)


@templates_group.command("check")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def templates_check_command(ctx: click.Context, folder: Path) -> None:
    """List every tag in FOLDER's templates the plan does not provide, and every plan field a
    template forgets to show. Exit code 7 when there is a problem."""
    from pipeline.templates import check_templates

    problems = check_templates(folder)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        console.print(
            f"[bold red]{len(problems)} template problem(s)[/] in {folder}", soft_wrap=True
        )
        ctx.exit(int(ExitCode.TEMPLATE_INVALID))
    console.print(f"The templates in {folder} are fine.", soft_wrap=True)


@cli.command("new")
@click.argument("name")
@click.argument(
    "intake", type=click.Path(file_okay=False, path_type=Path), default=Path("."), required=False
)
def new_command(name: str, intake: Path) -> None:
    """Start a pupil's workbook: copy the blank form into INTAKE as NAME.xlsx.

    NAME is the pupil's full legal name, in quotes ("Jo Smith"); INTAKE is the intake folder
    (default: the current folder). The name and today's date (as the meeting date) are filled
    in; the Wales form is used when the folder's school.xlsx says Wales. An existing workbook is
    never overwritten (exit code 2). A folder without school.xlsx also gets the blank school
    details form, to fill in once.
    """
    from pipeline.newplan import new_workbook

    made = new_workbook(name, intake)
    console.print(f"Wrote {made.workbook}", soft_wrap=True)
    if made.school_created:
        console.print(
            f"Wrote {made.school_created}: the school details are missing; fill it in once for "
            "the school.",
            soft_wrap=True,
        )


def _uk_day(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """`--today DD/MM/YYYY` as a date (None: the real today)."""
    from datetime import datetime

    if value is None:
        return None
    try:
        return datetime.strptime(value.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a date: type day/month/year, e.g. 01/09/2026"
        ) from None


@cli.command("due")
@click.argument("intake", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--within",
    default="30d",
    show_default=True,
    help="How far ahead to look: days, weeks or months (30d, 6w, 2m).",
)
@click.option(
    "--ics",
    "ics_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the tasks as a calendar file (pupils' initials only) for Outlook or Google.",
)
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the full table as CSV.",
)
@click.option(
    "--today", callback=_uk_day, metavar="DD/MM/YYYY", help="Count from this day, not today."
)
@click.option(
    "--school",
    "school_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The school details workbook, if it is not in the intake folder.",
)
def due_command(
    intake: Path,
    within: str,
    ics_file: Path | None,
    csv_file: Path | None,
    today: Any,
    school_file: Path | None,
) -> None:
    """List what needs doing for the plans in INTAKE, soonest first.

    Reviews due or passed, medicines expiring, staff training to renew, emergency medicines
    nobody is signed off to give, plans awaiting a healthcare professional's agreement,
    pupils of 14 or over whose own views are not recorded and, in Wales, IDP health or social
    care advice pending for more than six weeks. Workbooks that need fixing are named and
    skipped (`ihp check` says why).
    """
    from datetime import date

    from rich.markup import escape
    from rich.table import Table

    from pipeline.due import due_tasks, window_from, write_csv, write_ics
    from pipeline.wording import uk_date

    window = window_from(within, today or date.today())
    result = due_tasks(intake, window, school_file=school_file)
    for line in result.skipped:
        console.print(f"[yellow]![/] {escape(line)}", soft_wrap=True)
    if result.tasks:
        table = Table(title=f"Due by {uk_date(window.until)}", title_justify="left")
        for column in ("Due", result.pupil_word.capitalize(), "Task", "Detail", "Workbook"):
            table.add_column(column, overflow="fold")
        for task in result.tasks:
            style = "bold red" if task.due < window.today else None
            table.add_row(
                task.due.strftime("%d/%m/%Y"),
                escape(task.pupil),
                escape(task.kind),
                escape(task.detail),
                escape(task.workbook.name),
                style=style,
            )
        Console(highlight=False).print(table)
    else:
        console.print(f"Nothing due by {uk_date(window.until)}.")
    if csv_file:
        console.print(f"Wrote {write_csv(result.tasks, csv_file)}", soft_wrap=True)
    if ics_file:
        written = write_ics(result.tasks, ics_file, today=window.today)
        console.print(f"Wrote {written} ({len(result.tasks)} events)", soft_wrap=True)


@cli.command("email")
@click.argument("intake", type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="The folder ihp build wrote the plans to; drafts go into <pupil>/emails/ there.",
)
@click.option("--send", is_flag=True, help="Send the emails now (without it: drafts only).")
@click.option("--host", envvar="IHP_SMTP_HOST", help="SMTP server (or IHP_SMTP_HOST).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    envvar="IHP_SMTP_PORT",
    help="SMTP port (or IHP_SMTP_PORT).",
)
@click.option("--user", envvar="IHP_SMTP_USER", help="SMTP user name (or IHP_SMTP_USER).")
@click.option(
    "--tls",
    type=click.Choice(["starttls", "ssl", "none"]),
    default="starttls",
    show_default=True,
    help="How to encrypt: STARTTLS (port 587), SSL (465); none only for 127.0.0.1.",
)
@click.option("--from", "sender", help="Send from this address instead of the SENCo's email.")
@click.option(
    "--school",
    "school_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The school details workbook, if it is not in the intake folder.",
)
@click.pass_context
def email_command(
    ctx: click.Context,
    intake: Path,
    output: Path,
    send: bool,
    host: str | None,
    port: int | None,
    user: str | None,
    tls: str,
    sender: str | None,
    school_file: Path | None,
) -> None:
    """Write email drafts asking healthcare professionals to check and agree each plan.

    One .eml per pupil per healthcare professional with an email address, the pupil's IHP
    (from ihp build) attached; each opens in Outlook as a draft ready to send. With --send they
    are sent over SMTP; the password is read from IHP_SMTP_PASSWORD or asked for, never given
    on the command line. Each send is recorded in manifest.json. Exit code 8 when an email
    could not be sent (the others are still sent).
    """
    from rich.markup import escape

    from pipeline.mail import SmtpServer, Tls, check_server, send_drafts, write_drafts

    server = None
    if send:
        if not host:
            raise click.UsageError("--send needs the SMTP server: give --host or IHP_SMTP_HOST")
        password = os.environ.get("IHP_SMTP_PASSWORD")
        if user and password is None:
            password = click.prompt(f"SMTP password for {user}", hide_input=True, err=True)
        server = SmtpServer(host=host, port=port, user=user, password=password, tls=Tls(tls))
        check_server(server)
    result = write_drafts(intake, output, school_file=school_file, sender=sender)
    for line in result.skipped:
        console.print(f"[yellow]![/] {escape(line)}", soft_wrap=True)
    for draft in result.drafts:
        console.print(f"Draft for {escape(draft.to)}: {escape(str(draft.path))}", soft_wrap=True)
    if server is None:
        if result.drafts:
            console.print(
                f"{len(result.drafts)} draft(s) written; nothing sent (dry run). Open them in "
                "Outlook, or send them with --send.",
                soft_wrap=True,
            )
        return
    failed = 0
    for sent in send_drafts(output, result.drafts, server):
        if sent.ok:
            console.print(f"[green]Sent[/] to {escape(sent.draft.to)}", soft_wrap=True)
        else:
            failed += 1
            console.print(
                f"[bold red]Not sent[/] to {escape(sent.draft.to)}: {escape(sent.error or '')}",
                soft_wrap=True,
            )
    if failed:
        console.print(
            f"  What to do: check the server settings with the school's IT support; the "
            f"{failed} unsent draft(s) can be opened and sent from Outlook.",
            soft_wrap=True,
        )
        ctx.exit(int(ExitCode.EMAIL_FAILED))


@cli.command("archive")
@click.argument("output", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("archive", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def archive_command(ctx: click.Context, output: Path, archive: Path) -> None:
    """Copy every PDF bundle ihp build made in OUTPUT into ARCHIVE/<academic year>/.

    Each copy is named <pupil>-<plan date>-bundle.pdf in the UK academic year of its plan date
    (from 1 September: 2026-27) and checked against the SHA-256 in manifest.json. An older
    version is never overwritten (a new one is kept as -v2, -v3); a bundle already archived is
    skipped. Exit code 6 when a bundle no longer matches the manifest and was refused.
    """
    from rich.markup import escape

    from pipeline.archive import Action, archive_bundles

    results = archive_bundles(output, archive)
    for done in results:
        if done.action is Action.COPIED:
            console.print(f"Archived {escape(str(done.dest))}", soft_wrap=True)
        elif done.action is Action.IDENTICAL:
            console.print(f"Already archived, skipped: {escape(str(done.dest))}", soft_wrap=True)
        else:
            console.print(
                f"[bold red]Refused[/] {escape(done.slug)}: {escape(done.reason)}", soft_wrap=True
            )
    if not results:
        console.print(
            f"No PDF bundles in {escape(str(output))}: build without --no-pdf first.",
            soft_wrap=True,
        )
    if any(done.action is Action.REFUSED for done in results):
        ctx.exit(int(ExitCode.OUTPUT_FAILED))
