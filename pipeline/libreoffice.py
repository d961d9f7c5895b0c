"""Word to PDF/A with headless LibreOffice: the only module in `ihp` that runs another program.

Start-up is most of LibreOffice's cost, so each `soffice` process converts a whole chunk of
documents, and `jobs` processes run side by side, each with its own profile folder (two
processes sharing a profile hand their work to each other and exit). Every process runs in its
own process group and is tracked, so a chunk that hangs past its timeout, a crash or a Ctrl-C
kills the whole group: no LibreOffice outlives the command. A chunk that hung or crashed is
retried once, one document per process, and what still fails is reported, never hidden.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import math
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ConversionError, LibreOfficeMissingError

DEFAULT_TIMEOUT = 240.0
"""Seconds one LibreOffice process may take for its chunk before it is killed."""

CHUNK_LIMIT = 60
"""Most documents given to one LibreOffice process: enough to spread its two seconds of start-up
thin, few enough to stay well inside the timeout (about 0.3 s a document)."""

PDF_FILTER = "pdf:writer_pdf_Export:" + json.dumps(
    {
        # PDF/A-2b, tagged: archival, with the heading structure kept for screen readers.
        "SelectPdfVersion": {"type": "long", "value": "2"},
        "UseTaggedPDF": {"type": "boolean", "value": "true"},
        "ExportBookmarks": {"type": "boolean", "value": "true"},
        "ExportNotes": {"type": "boolean", "value": "false"},
    },
    separators=(",", ":"),
)
"""LibreOffice's export filter with its options in the JSON syntax (LibreOffice 7.4 and later)."""

INSTALL_HINT = (
    "install LibreOffice: on Debian or Ubuntu `sudo apt-get install libreoffice-writer-nogui`; "
    "on macOS or Windows download it from https://www.libreoffice.org/download/ ; "
    "or give its location with --soffice PATH; or run with --no-pdf to make only the Word files"
)

_WINDOWS = sys.platform == "win32"

_log = logging.getLogger(__name__)

PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc">\
<prop oor:name="CollectUsageInformation" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Jobs/Jobs/org.openoffice.Office.Jobs:Job['UpdateCheck']/\
Arguments"><prop oor:name="AutoCheckEnabled" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""
"""Written into every fresh profile: documents may not load links or images from elsewhere, no
macros run, no usage data, no update check (settings a build of LibreOffice lacks are ignored)."""


def install_locations() -> list[Path]:
    """Where LibreOffice installs itself when it is not on PATH, per operating system."""
    if _WINDOWS:
        roots = [os.environ.get("PROGRAMFILES", r"C:\Program Files")]
        roots.append(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"))
        # soffice.com waits for the conversion and reports on the console; soffice.exe may not.
        return [
            Path(root) / "LibreOffice" / "program" / name
            for root in roots
            for name in ("soffice.com", "soffice.exe")
        ]
    if sys.platform == "darwin":
        app = Path("LibreOffice.app") / "Contents" / "MacOS" / "soffice"
        return [Path("/Applications") / app, Path.home() / "Applications" / app]
    return [
        Path("/usr/lib/libreoffice/program/soffice"),
        Path("/usr/lib64/libreoffice/program/soffice"),
        *sorted(Path("/opt").glob("libreoffice*/program/soffice"), reverse=True),
        Path("/usr/local/bin/soffice"),
        Path("/snap/bin/libreoffice"),
    ]


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_soffice(explicit: Path | None = None, *, locations: list[Path] | None = None) -> Path:
    """The LibreOffice program to run: `explicit` (from --soffice), then PATH, then install paths.

    Raises `LibreOfficeMissingError`, naming how to install it, when there is none.
    """
    if explicit is not None:
        if _runnable(explicit):
            return explicit
        raise LibreOfficeMissingError(
            f"LibreOffice was not found at {explicit} (given with --soffice)", INSTALL_HINT
        )
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    for candidate in install_locations() if locations is None else locations:
        if _runnable(candidate):
            return candidate
    raise LibreOfficeMissingError(
        "LibreOffice is needed to make the PDF bundles and was not found", INSTALL_HINT
    )


# --- processes: started in their own group, tracked, and killed as a group -------------------

_running: set[subprocess.Popen[bytes]] = set()
_running_lock = threading.Lock()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill a LibreOffice process and everything it started (its process group)."""
    if _WINDOWS:
        subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(process.pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    else:
        # The group outlives its leader when a child (soffice.bin) is still running.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        process.kill()


def kill_all() -> None:
    """Kill every LibreOffice process this program started and that is still running."""
    with _running_lock:
        processes = list(_running)
    for process in processes:
        _kill_group(process)


atexit.register(kill_all)


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into KeyboardInterrupt while converting, so cleanup code runs.

    Python already does this for SIGINT (Ctrl-C). Signal handlers can only be set from the main
    thread; elsewhere the caller is responsible.
    """
    if threading.current_thread() is not threading.main_thread() or _WINDOWS:
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {
        signum: signal.signal(signum, interrupt) for signum in (signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@dataclass(frozen=True)
class _Run:
    returncode: int | None
    timed_out: bool
    output: str


class _Stopped(Exception):
    """The conversion is being cancelled: start no more processes."""


def _run(
    command: list[str], *, timeout: float, cancelled: threading.Event, cwd: Path | None = None
) -> _Run:
    """Run one LibreOffice command in its own process group; kill the group on timeout."""
    with _running_lock:
        if cancelled.is_set():
            raise _Stopped
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=not _WINDOWS,
            creationflags=subprocess.CREATE_NEW_PROCESS_GROUP if _WINDOWS else 0,  # type: ignore[attr-defined]
        )
        _running.add(process)
    try:
        try:
            output, _ = process.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_group(process)
            output, _ = process.communicate()
            timed_out = True
        # Even after a clean exit, nothing it started may linger.
        _kill_group(process)
        return _Run(process.returncode, timed_out, output.decode("utf-8", "replace"))
    finally:
        with _running_lock:
            _running.discard(process)
        if process.poll() is None:
            _kill_group(process)
            process.wait()


def soffice_version(soffice: Path, *, timeout: float = 60.0) -> str:
    """LibreOffice's version, e.g. `7.4.7.2`, from `soffice --version`."""
    with tempfile.TemporaryDirectory(prefix="ihp-lo-") as profile:
        run = _run(
            [str(soffice), f"-env:UserInstallation={Path(profile).as_uri()}", "--version"],
            timeout=timeout,
            cancelled=threading.Event(),
        )
    match = re.search(r"LibreOffice\S*\s+(\d+(?:\.\d+)+)", run.output)
    if run.timed_out or not match:
        raise ConversionError(
            f"{soffice} did not say which LibreOffice version it is",
            "check that this is LibreOffice, or reinstall it",
        )
    return match.group(1)


# --- conversion --------------------------------------------------------------------------------


@dataclass
class ConversionResult:
    """Which documents became PDFs, and which did not and why (`failed`: docx -> reason)."""

    pdfs: dict[Path, Path] = field(default_factory=dict)
    failed: dict[Path, str] = field(default_factory=dict)
    #: LibreOffice processes started, retries included (for the benchmark and tests)
    processes: int = 0


def check_pdf(path: Path) -> str | None:
    """Why `path` is not a complete PDF, or None when it is one.

    A killed process can leave a truncated file; pikepdf would quietly repair it, so first insist
    on the end-of-file marker LibreOffice writes last.
    """
    import pikepdf  # only when there are PDFs to check: ihp starts quicker without it

    try:
        size = path.stat().st_size
        if size == 0:
            return "LibreOffice wrote an empty file"
        with path.open("rb") as stream:
            stream.seek(max(0, size - 1024))
            if b"%%EOF" not in stream.read():
                return "LibreOffice stopped before the PDF was finished"
        with pikepdf.open(path) as pdf:
            if len(pdf.pages) == 0:
                return "the PDF has no pages"
    except FileNotFoundError:
        return "LibreOffice did not write a PDF"
    except (OSError, pikepdf.PdfError) as error:
        return f"the PDF cannot be read ({error})"
    return None


def _chunks(documents: list[Path], size: int) -> list[list[Path]]:
    return [documents[start : start + size] for start in range(0, len(documents), size)]


@dataclass
class _Slot:
    """A profile folder lent to one process; `spoiled` when that process was killed or crashed."""

    profile: Path
    spoiled: bool = False


class _Profiles:
    """One LibreOffice profile folder per parallel slot; a spoiled profile is replaced.

    A profile is reused from chunk to chunk (creating one costs a second or two), except after
    a process was killed or crashed: it may have left the profile locked or half-written.
    """

    def __init__(self, root: Path, count: int) -> None:
        self._root = root
        self._free: queue.SimpleQueue[Path] = queue.SimpleQueue()
        self._made = 0
        self._lock = threading.Lock()
        for _ in range(count):
            self._free.put(self._new())

    def _new(self) -> Path:
        with self._lock:
            self._made += 1
            profile = self._root / f"profile-{self._made}"
        settings = profile / "user" / "registrymodifications.xcu"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(PROFILE_SETTINGS, encoding="utf-8")
        return profile

    @contextlib.contextmanager
    def borrow(self) -> Iterator[_Slot]:
        slot = _Slot(self._free.get())
        try:
            yield slot
        except BaseException:
            slot.spoiled = True
            raise
        finally:
            if slot.spoiled:
                shutil.rmtree(slot.profile, ignore_errors=True)
                self._free.put(self._new())
            else:
                self._free.put(slot.profile)


def convert(
    docx_files: list[Path],
    out_dir: Path,
    *,
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    soffice: Path,
    work_dir: Path | None = None,
    on_converted: Callable[[Path, Path | None], None] | None = None,
) -> ConversionResult:
    """Convert Word files to PDF/A-2b in `out_dir` (`<stem>.pdf`), many per LibreOffice process.

    `jobs` processes (default: one per core) run at once, each on a chunk of documents with its
    own profile. A chunk that hangs past `timeout` seconds or crashes is killed with all its
    children; its unfinished documents are retried once, one per process; those that still fail
    are in `ConversionResult.failed`. `work_dir` holds profiles and half-made PDFs (default: the
    system's temporary folder); nothing half-made ever reaches `out_dir`. `on_converted(docx,
    pdf_or_None)` is called as each document is settled. Ctrl-C (or SIGTERM) kills every process
    before the interruption propagates.
    """
    stems = [path.stem for path in docx_files]
    if len(set(stems)) != len(stems):
        raise ValueError("documents converted together need different file names")
    jobs = max(1, jobs or os.cpu_count() or 1)
    result = ConversionResult()
    if not docx_files:
        return result
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir = out_dir.resolve()
    cancelled = threading.Event()
    lock = threading.Lock()
    chunk_numbers = iter(range(1, sys.maxsize))

    def settle(document: Path, pdf: Path | None, reason: str = "") -> None:
        with lock:
            if pdf is None:
                result.failed[document] = reason
            else:
                result.pdfs[document] = pdf
        if on_converted is not None:
            on_converted(document, pdf)

    with contextlib.ExitStack() as stack:
        root = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="ihp-lo-", dir=work_dir))
        ).resolve()
        profiles = _Profiles(root, jobs)

        def convert_chunk(chunk: list[Path], final: bool) -> list[Path]:
            """Convert one chunk; return the documents to try again (none when `final`)."""
            with lock:
                staging = root / f"chunk-{next(chunk_numbers)}"
                result.processes += 1
            staging.mkdir()
            with profiles.borrow() as slot:
                run = _run(
                    [
                        str(soffice),
                        f"-env:UserInstallation={slot.profile.as_uri()}",
                        "--headless",
                        "--invisible",
                        "--norestore",
                        "--nologo",
                        "--nodefault",
                        "--nolockcheck",
                        "--convert-to",
                        PDF_FILTER,
                        "--outdir",
                        str(staging),
                        *(str(document.resolve()) for document in chunk),
                    ],
                    timeout=timeout,
                    cancelled=cancelled,
                    cwd=staging,
                )
                slot.spoiled = run.timed_out or bool(run.returncode)
            retry = _collect(chunk, staging, out_dir, run, final, timeout, settle)
            shutil.rmtree(staging, ignore_errors=True)
            return retry

        # As few rounds as the limit allows, every process given an equal share: a last small
        # chunk converted alone would leave the other cores idle.
        rounds = math.ceil(len(docx_files) / (jobs * CHUNK_LIMIT))
        size = max(1, math.ceil(len(docx_files) / (jobs * rounds)))
        stack.enter_context(_stopped_by_signals())
        executor = stack.enter_context(ThreadPoolExecutor(max_workers=jobs))
        first: list[Future[list[Path]]] = []
        second: list[Future[list[Path]]] = []
        try:
            first = [
                executor.submit(convert_chunk, chunk, False) for chunk in _chunks(docx_files, size)
            ]
            retry = [document for future in first for document in future.result()]
            # The second and last try: one document per process, so one bad file sinks no other.
            second = [executor.submit(convert_chunk, [document], True) for document in retry]
            for future in second:
                future.result()
        except BaseException:
            cancelled.set()
            for future in [*first, *second]:
                future.cancel()
            kill_all()
            raise
    return result


def _collect(
    chunk: list[Path],
    staging: Path,
    out_dir: Path,
    run: _Run,
    final: bool,
    timeout: float,
    settle: Callable[..., None],
) -> list[Path]:
    """Move each finished PDF of a chunk to `out_dir`; return the documents to try again."""
    if run.timed_out:
        why = f"LibreOffice did not finish within {timeout:g} seconds and was stopped"
    elif run.returncode and run.returncode < 0:
        why = f"LibreOffice crashed (signal {-run.returncode})"
    elif run.returncode:
        why = f"LibreOffice stopped with exit status {run.returncode}"
    else:
        why = ""
    retry: list[Path] = []
    # Counts only: document names hold the pupil's name.
    _log.info(
        "LibreOffice converted a batch of %d document(s): %s",
        len(chunk),
        why or f"exit status {run.returncode}",
    )
    for document in chunk:
        made = staging / f"{document.stem}.pdf"
        problem = check_pdf(made)
        if problem is None:
            pdf = out_dir / made.name
            os.replace(made, pdf)
            settle(document, pdf)
            continue
        reason = why or (
            "LibreOffice could not open or convert it"
            if problem == "LibreOffice did not write a PDF"
            else problem
        )
        if final:
            settle(document, None, reason)
        else:
            retry.append(document)
    return retry
