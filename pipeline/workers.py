"""A pool of worker processes for the per-pupil steps that are Python's own work.

Reading a workbook (openpyxl) and rendering a pupil's documents (docxtpl) each cost a few tenths
of a second of one core; a trust's batch of hundreds of pupils spreads them over every core.
Workers are spawned, not forked (safe beside the build's threads, and the same on Windows and
macOS). A spawned worker re-imports the main script, which is safe only for a script written for
it (`if __name__ == "__main__":`), so pools are off until the program says they may be used: the
`ihp` command does (`allow_pools`); a script calling the library works in one process unless it
does too. Small batches stay in this process: starting workers costs more than it saves.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

POOL_FROM = 8
"""Fewest items worth a pool (spawning a worker costs about half a second)."""

_pools_allowed = False


def allow_pools(allowed: bool = True) -> None:
    """Let this program use worker pools: call it from a main script guarded by
    `if __name__ == "__main__":` (as `ihp` is)."""
    global _pools_allowed
    _pools_allowed = allowed


def worker_count(items: int) -> int:
    """Workers for `items` items: one per core, at least four items each; 0 means no pool."""
    workers = min(os.cpu_count() or 1, items // 4)
    enough = items >= POOL_FROM and workers >= 2
    return workers if enough and _pools_allowed and _can_spawn() else 0


def _can_spawn() -> bool:
    """A spawned worker starts by re-importing the main script: not possible when it was read
    from standard input (`python - < script`), so such a caller works in one process."""
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None)
    return script is None or Path(script).exists()


def _start_worker(
    initializer: Callable[..., None] | None, initargs: tuple[Any, ...], parent: int
) -> None:
    # Ctrl-C is the main process's to handle (it stops the pool); a worker printing its own
    # KeyboardInterrupt traceback would only alarm the SENCo.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _exit_with_parent(parent: int) -> None:
    """End this worker once ihp has gone. A killed ihp (SIGKILL cannot be caught) cannot stop
    its pool, and an idle worker would otherwise wait for work for ever, holding its memory.
    (On POSIX an orphan gets a new parent; elsewhere the pool's own shutdown must do.)"""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


@contextlib.contextmanager
def start_pool(
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[Executor]:
    """A pool of `workers` spawned processes, each set up by `initializer(*initargs)`.

    On an error or Ctrl-C, work not yet started is dropped rather than waited for.
    """
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(initializer, initargs, os.getpid()),
    )
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def map_in_pool(function: Callable[[Item], Result], items: list[Item]) -> Iterator[Result]:
    """`map(function, items)` over a pool when the batch is big enough, in order.

    A pool that breaks (a worker killed by the system) costs only speed: what is left is done
    here. `function` must be a module-level function and must not raise (return problems).
    """
    workers = worker_count(len(items))
    if not workers:
        yield from map(function, items)
        return
    done = 0
    try:
        with start_pool(workers) as pool:
            chunk = max(1, min(8, len(items) // (workers * 4)))
            for result in pool.map(function, items, chunksize=chunk):
                done += 1
                yield result
    except BrokenProcessPool:
        yield from map(function, items[done:])
