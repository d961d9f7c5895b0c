"""The `ihp` command line: parses options, calls the library, prints the outcome.

No openpyxl, docxtpl or subprocess here. Errors become a message and an exit code in exactly one
place (`IhpGroup.invoke`); tracebacks only with `-v`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from pipeline.errors import ExitCode, IhpError

#: messages for the operator go to stderr; stdout is kept for data (--json, tables)
console = Console(stderr=True, highlight=False)


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
            console.print("Stopped (Ctrl-C). Finished files were kept; nothing half-written was left.")
            ctx.exit(int(ExitCode.INTERRUPTED))


@click.group(cls=IhpGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ihp")
@click.option("-v", "--verbose", is_flag=True, help="Show full error details (for reporting a bug).")
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
    sys.exit(cli.main(prog_name="ihp", standalone_mode=True))


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
    help="Seconds one LibreOffice process may take for its batch before it is stopped.",
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
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no problem list.")
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
    quiet: bool,
) -> None:
    """Make the Word plans, emergency sheets, parent letters and PDF bundles.

    INTAKE is the folder of filled intake workbooks (or one workbook). Workbooks with mistakes
    are listed as `ihp check` lists them and skipped; everyone else is built. A pupil whose
    workbook, school details and templates have not changed since the last build is left as it
    is. Exit codes: 0 all built, 3 a workbook needs fixing, 4 LibreOffice missing, 5 conversion
    failed, 6 output could not be written, 130 stopped with Ctrl-C.
    """
    from pipeline.build import BuildOptions, build
    from pipeline.build_console import build_progress, print_build_problems

    options = BuildOptions(
        jobs=jobs,
        timeout=timeout,
        force=force,
        no_pdf=no_pdf,
        soffice=soffice,
        templates=templates,
    )
    with build_progress(console, enabled=not quiet and console.is_terminal) as progress:
        report = build(intake, output, options=options, progress=progress)
    if not quiet:
        print_build_problems(console, report)
    console.print(f"{report.summary()} — see {output / 'report.html'}", soft_wrap=True)
    ctx.exit(int(report.exit_code))
