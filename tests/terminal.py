"""Run a command as a terminal's foreground program runs it: with Ctrl-C live.

A test that presses Ctrl-C (sends SIGINT) must not depend on how the test runner's own process
treats SIGINT: a runner worker may ignore or block it, and a child inherits both. The command is
started through a tiny Python that resets SIGINT to its default and unblocks it, then execs it.
"""

from __future__ import annotations

import sys

_LIVE = (
    "import os, signal, sys; "
    "signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def ctrl_c_live(command: list[str]) -> list[str]:
    """`command` (whose first item is a program's full path) with Ctrl-C live."""
    return [sys.executable, "-c", _LIVE, *command]
