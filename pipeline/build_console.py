"""How `ihp build` looks in a terminal: a progress bar while it works, failures after.

Kept out of `cli.py` so the command itself stays a few lines, and out of `build.py` because the
library never prints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from pipeline.build import Progress as ProgressCallback
from pipeline.manifest import BuildReport, Status


class _WholePupils(MofNCompleteColumn):
    """`12/30 pupils`: whole pupils done, although the bar itself moves in fractions."""

    def render(self, task):  # type: ignore[no-untyped-def]
        total = int(task.total) if task.total is not None else "?"
        return f"{int(task.completed)}/{total} pupils"


@contextlib.contextmanager
def build_progress(console: Console, *, enabled: bool) -> Iterator[ProgressCallback | None]:
    """A progress callback drawing a bar with pupils done/total and the time left, or None."""
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        _WholePupils(),
        TimeElapsedColumn(),
        TextColumn("·"),
        TimeRemainingColumn(),
        TextColumn("left"),
        console=console,
        transient=True,
    )
    task = bar.add_task("checking", total=None)

    def progress(done: float, total: int, stage: str) -> None:
        bar.update(task, completed=done, total=total or None, description=stage)

    with bar:
        yield progress


def print_build_failures(console: Console, report: BuildReport) -> None:
    """Each pupil whose documents could not be made, with why (invalid workbooks are listed
    by the check's own printer)."""
    for pupil in report.pupils:
        if pupil.status is not Status.FAILED:
            continue
        console.print(f"[bold red]✗ {escape(pupil.workbook.name)}[/]: failed")
        for reason in pupil.reasons:
            console.print(f"      {escape(reason)}", soft_wrap=True)
