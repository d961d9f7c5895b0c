"""The `ihp` command line: parses options, calls the library, prints the outcome.

No openpyxl, docxtpl or subprocess here. Errors become a message and an exit code in exactly one
place (`IhpGroup.invoke`); tracebacks only with `-v`.
"""

from __future__ import annotations

import sys
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
