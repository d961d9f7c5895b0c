"""Word to PDF/A with headless LibreOffice: the only module in `ihp` that runs another program.

Start-up is most of LibreOffice's cost. Where LibreOffice's own Python (with UNO) is installed,
a build keeps one long-lived LibreOffice per core, started as soon as the build knows it has
documents to convert (its start-up overlaps reading and rendering) and fed one document at a
time through `libreoffice_bridge.py` over a private pipe (never a network port); each is replaced
after `RECYCLE_AFTER` documents. Otherwise each `soffice --convert-to` process converts a whole
chunk of documents, `jobs` processes side by side. Either way every process has its own profile
folder (two processes sharing a profile hand their work to each other and exit), runs in its own
process group and is tracked, so a hang past the timeout, a crash or a Ctrl-C kills the whole
group: no LibreOffice outlives the command. A document that hung or crashed is retried once, and
what still fails is reported, never hidden.
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
import secrets
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
from typing import Any

from pipeline.errors import ConversionError, LibreOfficeMissingError

DEFAULT_TIMEOUT = 240.0
"""Seconds a long-lived LibreOffice may take for one document, or a `--convert-to` process for
its chunk, before it is killed."""

CHUNK_LIMIT = 60
"""Most documents given to one LibreOffice process: enough to spread its two seconds of start-up
thin, few enough to stay well inside the timeout (about 0.3 s a document)."""

RECYCLE_AFTER = 200
"""Documents one long-lived LibreOffice converts before it is replaced (its memory only grows)."""

DOCUMENTS_PER_OFFICE = 8
"""A long-lived LibreOffice is started for every this many documents, up to one per job: a
single pupil's few documents do not pay for a second start-up."""

PDF_OPTIONS: dict[str, int | bool] = {
    # PDF/A-2b, tagged: archival, with the heading structure kept for screen readers.
    "SelectPdfVersion": 2,
    "UseTaggedPDF": True,
    "ExportBookmarks": True,
    "ExportNotes": False,
}
"""The PDF export filter's options, for both ways of converting."""

PDF_FILTER = "pdf:writer_pdf_Export:" + json.dumps(
    {
        name: {"type": "boolean", "value": str(value).lower()}
        if isinstance(value, bool)
        else {"type": "long", "value": str(value)}
        for name, value in PDF_OPTIONS.items()
    },
    separators=(",", ":"),
)
"""`--convert-to`'s filter with its options in the JSON syntax (LibreOffice 7.4 and later)."""

_BRIDGE = Path(__file__).with_name("libreoffice_bridge.py")

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


def _soffice_command(soffice: Path, profile: Path) -> list[str]:
    """LibreOffice without a window, a splash, a start centre or document recovery, in its
    own profile folder."""
    return [
        str(soffice),
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--norestore",
        "--nologo",
        "--nodefault",
        "--nolockcheck",
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


def _start_tracked(command: list[str], **streams: Any) -> subprocess.Popen[bytes]:
    """Start a process in its own process group and track it, so that `kill_all` stops it and
    everything it starts. The caller holds `_running_lock`."""
    process = subprocess.Popen(
        command,
        start_new_session=not _WINDOWS,
        creationflags=subprocess.CREATE_NEW_PROCESS_GROUP if _WINDOWS else 0,  # type: ignore[attr-defined]
        **streams,
    )
    _running.add(process)
    return process


def _run(
    command: list[str], *, timeout: float, cancelled: threading.Event, cwd: Path | None = None
) -> _Run:
    """Run one LibreOffice command in its own process group; kill the group on timeout."""
    with _running_lock:
        if cancelled.is_set():
            raise _Stopped
        process = _start_tracked(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )
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

    def __init__(self, root: Path, count: int, kept: Path | None = None) -> None:
        self._root = root
        self._kept = kept if kept is not None and not _WINDOWS else None
        self._held: dict[Path, int] = {}  # kept profile -> its lock's file descriptor
        self._free: queue.SimpleQueue[Path] = queue.SimpleQueue()
        self._made = 0
        self._lock = threading.Lock()
        for _ in range(count):
            self._free.put(self._new())

    def _new(self) -> Path:
        profile = self._take_kept() if self._kept is not None else None
        if profile is None:
            with self._lock:
                self._made += 1
                profile = self._root / f"profile-{self._made}"
        settings = profile / "user" / "registrymodifications.xcu"
        if not settings.is_file():
            for folder in (profile, settings.parent):
                folder.mkdir(mode=0o700, exist_ok=True)
            settings.write_text(PROFILE_SETTINGS, encoding="utf-8")
            settings.chmod(0o600)
        return profile

    def _take_kept(self) -> Path | None:
        """A profile kept from an earlier build, locked for this process (LibreOffice starts
        about half a second sooner in a profile it has used before); None when every kept
        profile is in use by another build."""
        import fcntl  # POSIX only, like `_kept`

        assert self._kept is not None
        with contextlib.suppress(OSError):
            self._kept.mkdir(mode=0o700, exist_ok=True)
        for number in range(1, 2 * (os.cpu_count() or 1) + 1):
            profile = self._kept / f"profile-{number}"
            with self._lock:
                if profile in self._held:
                    continue
                try:
                    held = os.open(
                        self._kept / f"profile-{number}.lock", os.O_RDWR | os.O_CREAT, 0o600
                    )
                except OSError:
                    return None
                try:
                    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(held)
                    continue
                self._held[profile] = held
            settings = profile / "user" / "registrymodifications.xcu"
            if settings.is_file() and "DisableMacrosExecution" not in settings.read_text(
                encoding="utf-8", errors="replace"
            ):
                shutil.rmtree(profile, ignore_errors=True)  # not ours as written: start afresh
            return profile
        return None

    def _release(self, profile: Path) -> None:
        with self._lock:
            held = self._held.pop(profile, None)
        if held is not None:
            os.close(held)

    def close(self, *, discard: bool = False) -> None:
        """Let other builds use the kept profiles; `discard` deletes them first (after Ctrl-C or
        a crash a profile may be half-written, and one is only as trustworthy as its last use)."""
        for profile in list(self._held):
            if discard:
                shutil.rmtree(profile, ignore_errors=True)
            self._release(profile)

    def take(self) -> Path:
        return self._free.get()

    def give_back(self, profile: Path, *, spoiled: bool, replace: bool = True) -> None:
        """Return a profile after use; a spoiled one is deleted (and, unless the run is ending,
        replaced by a fresh one)."""
        if spoiled:
            shutil.rmtree(profile, ignore_errors=True)
            self._release(profile)
            if not replace:
                return
            profile = self._new()
        self._free.put(profile)

    @contextlib.contextmanager
    def borrow(self) -> Iterator[_Slot]:
        slot = _Slot(self.take())
        try:
            yield slot
        except BaseException:
            slot.spoiled = True
            raise
        finally:
            self.give_back(slot.profile, spoiled=slot.spoiled)


def convert(
    docx_files: list[Path],
    out_dir: Path,
    *,
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    soffice: Path,
    work_dir: Path | None = None,
    on_converted: Callable[[Path, Path | None], None] | None = None,
    long_lived: bool = True,
) -> ConversionResult:
    """Convert Word files to PDF/A-2b in `out_dir` (`<stem>.pdf`): a `Converter` used once.

    `jobs` LibreOffice processes (default: one per core) run at once. A document whose
    conversion hangs past `timeout` seconds or crashes LibreOffice is retried once in a fresh
    process; those that still fail are in `ConversionResult.failed`. `work_dir` holds profiles
    and half-made PDFs (default: the system's temporary folder); nothing half-made ever reaches
    `out_dir`. `on_converted(docx, pdf_or_None)` is called as each document is settled. Ctrl-C
    (or SIGTERM) kills every process before the interruption propagates. `long_lived=False`
    converts in batches with `--convert-to` even where UNO is available.
    """
    _check_names(docx_files)
    with Converter(
        soffice,
        jobs=jobs,
        timeout=timeout,
        work_dir=work_dir,
        documents=len(docx_files),
        long_lived=long_lived,
    ) as converter:
        return converter.convert(docx_files, out_dir, on_converted=on_converted)


def _check_names(docx_files: list[Path]) -> None:
    stems = [path.stem for path in docx_files]
    if len(set(stems)) != len(stems):
        raise ValueError("documents converted together need different file names")


class _Results:
    """A conversion's result, settled from several threads."""

    def __init__(self, on_converted: Callable[[Path, Path | None], None] | None) -> None:
        self.result = ConversionResult()
        self._lock = threading.Lock()
        self._on_converted = on_converted

    def settle(self, document: Path, pdf: Path | None, reason: str = "") -> None:
        with self._lock:
            if pdf is None:
                self.result.failed[document] = reason
            else:
                self.result.pdfs[document] = pdf
        if self._on_converted is not None:
            self._on_converted(document, pdf)

    def started(self) -> None:
        with self._lock:
            self.result.processes += 1


def _convert_in_batches(
    docx_files: list[Path],
    out_dir: Path,
    *,
    jobs: int,
    timeout: float,
    soffice: Path,
    profiles: Path,
    staging: Path,
    results: _Results,
) -> None:
    """`soffice --convert-to` with many documents per process, `jobs` processes at once.

    A chunk that hangs or crashes is killed with all its children; its unfinished documents are
    retried once, one per process.
    """
    if not docx_files:
        return
    cancelled = threading.Event()
    lock = threading.Lock()
    chunk_numbers = iter(range(1, sys.maxsize))
    settle = results.settle

    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=profiles)))
        slots = _Profiles(folder, jobs)

        def convert_chunk(chunk: list[Path], final: bool) -> list[Path]:
            """Convert one chunk; return the documents to try again (none when `final`)."""
            with lock:
                chunk_staging = staging / f"chunk-{next(chunk_numbers)}"
            results.started()
            chunk_staging.mkdir()
            with slots.borrow() as slot:
                run = _run(
                    [
                        *_soffice_command(soffice, slot.profile),
                        "--convert-to",
                        PDF_FILTER,
                        "--outdir",
                        str(chunk_staging),
                        *(str(document.resolve()) for document in chunk),
                    ],
                    timeout=timeout,
                    cancelled=cancelled,
                    cwd=chunk_staging,
                )
                slot.spoiled = run.timed_out or bool(run.returncode)
            retry = _collect(chunk, chunk_staging, out_dir, run, final, timeout, settle)
            shutil.rmtree(chunk_staging, ignore_errors=True)
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


# --- long-lived LibreOffice over UNO -------------------------------------------------------------

CONNECT_TIMEOUT = 150.0
"""Seconds a long-lived LibreOffice may take to start (the bridge itself gives up after 120)."""


def bridge_python(soffice: Path) -> Path | None:
    """The Python that can drive this LibreOffice over UNO, or None (convert in batches).

    LibreOffice for Windows and macOS brings its own; Debian's and Ubuntu's is the system
    python3 with the python3-uno package. Whether it really has `uno` shows when the bridge
    starts: one that cannot start only means converting in batches. A stand-in `soffice` (not
    beside `soffice.bin`) is always run in batches.
    """
    try:
        program = soffice.resolve().parent
    except OSError:
        return None
    bundled = [program / "python.exe", program / "python", program.parent / "Resources" / "python"]
    for python in bundled:
        if _runnable(python) or (python.suffix == ".exe" and python.is_file()):
            return python
    system = Path("/usr/bin/python3")
    if (program / "soffice.bin").is_file() and _runnable(system):
        return system
    return None


class _Office:
    """One long-lived LibreOffice, driven through the bridge script on its stdin and stdout."""

    def __init__(
        self, python: Path, soffice: Path, profile: Path, stopping: threading.Event
    ) -> None:
        self.profile = profile
        self.converted = 0
        self.spoiled = False
        # Named for this process, unguessable; LibreOffice makes the socket its owner's alone.
        pipe = f"ihp-{os.getpid()}-{secrets.token_hex(8)}"
        command = [str(python), str(_BRIDGE), json.dumps(_soffice_command(soffice, profile))]
        command += [profile.as_uri(), pipe, json.dumps(PDF_OPTIONS)]
        with _running_lock:  # `kill_all` takes this lock: a start after it sees `stopping` set
            if stopping.is_set():
                raise _Stopped
            self._process = _start_tracked(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        self._replies: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            with contextlib.suppress(ValueError):
                reply = json.loads(line)
                self._replies.put(reply if isinstance(reply, dict) else {})
        self._replies.put(None)  # the bridge has gone

    def ready(self, timeout: float) -> bool:
        try:
            reply = self._replies.get(timeout=timeout)
        except queue.Empty:
            reply = None
        if reply is None or not reply.get("ready"):
            self.kill()
            return False
        return True

    @property
    def alive(self) -> bool:
        return not self.spoiled and self._process.poll() is None

    def convert(self, docx: Path, pdf: Path, timeout: float) -> str | None:
        """None once LibreOffice says it wrote `pdf`; otherwise why not. After a hang or a
        crash this LibreOffice is gone (`alive` is False)."""
        request = json.dumps({"docx": str(docx), "pdf": str(pdf)}) + "\n"
        try:
            assert self._process.stdin is not None
            self._process.stdin.write(request.encode("utf-8"))
            self._process.stdin.flush()
            reply = self._replies.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            return f"LibreOffice did not finish within {timeout:g} seconds and was stopped"
        except (OSError, ValueError):  # the bridge has gone, or was asked to stop
            reply = None
        if reply is None:
            self.kill()
            code = self._process.returncode
            return (
                f"LibreOffice crashed (signal {-code})"
                if code and code < 0
                else ("LibreOffice stopped unexpectedly")
            )
        self.converted += 1
        return None if reply.get("ok") else "LibreOffice could not open or convert it"

    def stop(self) -> None:
        """Ask LibreOffice to shut down (the bridge does when its stdin closes)."""
        with contextlib.suppress(OSError):
            assert self._process.stdin is not None
            self._process.stdin.close()

    def close(self, grace: float = 20.0) -> None:
        """Let LibreOffice shut down cleanly, then make sure nothing is left."""
        self.stop()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=grace)
        self.kill(spoil=False)

    def kill(self, *, spoil: bool = True) -> None:
        self.spoiled = self.spoiled or spoil
        _kill_group(self._process)
        with _running_lock:
            _running.discard(self._process)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=10)


class Converter:
    """LibreOffice for one build: started when entered, kept running, closed when left.

    With UNO available (see `bridge_python`), long-lived LibreOffice processes (one for every
    `DOCUMENTS_PER_OFFICE` of the `documents` expected, at most `jobs`) start in the background
    as soon as the converter is entered and convert every later `convert` call's documents one
    at a time, each taking the next document as it finishes one.
    Without it, or when none will start, each `convert` runs `soffice --convert-to` in batches.
    `profiles` is a folder where their profiles are kept between runs (each locked while in use).
    """

    def __init__(
        self,
        soffice: Path,
        *,
        jobs: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        work_dir: Path | None = None,
        documents: int | None = None,
        long_lived: bool = True,
        profiles: Path | None = None,
    ) -> None:
        self._soffice = soffice
        self._kept_profiles = profiles
        self._jobs = max(1, jobs or os.cpu_count() or 1)
        self._timeout = timeout
        self._work_dir = work_dir
        wanted = self._jobs if documents is None else math.ceil(documents / DOCUMENTS_PER_OFFICE)
        self._count = max(1, min(self._jobs, wanted))
        self._python = bridge_python(soffice) if long_lived else None
        self._stack = contextlib.ExitStack()
        self._offices: list[Future[_Office | None]] = []
        self._root = Path()
        self._profiles: _Profiles | None = None
        self._started = 0
        self._counting = threading.Lock()
        # Set on Ctrl-C or an error: start nothing more, settle nothing more, keep no profile.
        self._stopping = threading.Event()

    def __enter__(self) -> Converter:
        stack = self._stack
        self._root = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="ihp-lo-", dir=self._work_dir))
        ).resolve()
        stack.enter_context(_stopped_by_signals())
        if self._python is not None:
            self._profiles = _Profiles(self._root, self._count, self._kept_profiles)
            profiles = self._profiles  # closed after every LibreOffice has stopped
            stack.callback(lambda: profiles.close(discard=self._stopping.is_set()))
        stack.callback(self._close)
        if self._python is not None:
            starter = stack.enter_context(ThreadPoolExecutor(max_workers=self._count))
            self._offices = [starter.submit(self._start) for _ in range(self._count)]
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            self._stop()
        self._stack.close()

    def _stop(self) -> None:
        """Stop at once: every LibreOffice is killed (its profile may be half-written)."""
        self._stopping.set()
        kill_all()

    def _start(self) -> _Office | None:
        assert self._python is not None and self._profiles is not None
        if self._stopping.is_set():
            return None
        profile = self._profiles.take()
        try:
            office = _Office(self._python, self._soffice, profile, self._stopping)
        except _Stopped:
            self._profiles.give_back(profile, spoiled=False)
            return None
        with self._counting:
            self._started += 1
        if office.ready(CONNECT_TIMEOUT):
            return office
        self._profiles.give_back(office.profile, spoiled=True, replace=not self._stopping.is_set())
        return None

    def finish(self) -> None:
        """No more documents will come: let every LibreOffice shut down while the caller does
        its last work (leaving the converter waits for them, and kills what is left)."""
        for future in self._offices:
            office = future.result() if future.done() and not future.cancelled() else None
            if office is not None:
                office.stop()

    def _retire(self, office: _Office, *, last: bool = False) -> None:
        assert self._profiles is not None
        office.close()
        stopping = self._stopping.is_set()
        spoiled = office.spoiled or stopping
        self._profiles.give_back(office.profile, spoiled=spoiled, replace=not (last or stopping))

    def _close(self) -> None:
        offices = [future.result() for future in self._offices if not future.cancelled()]
        with ThreadPoolExecutor(max_workers=max(1, len(offices))) as closer:
            closing = [
                closer.submit(self._retire, office, last=True) for office in offices if office
            ]
            for future in closing:
                future.result()

    def convert(
        self,
        docx_files: list[Path],
        out_dir: Path,
        *,
        on_converted: Callable[[Path, Path | None], None] | None = None,
    ) -> ConversionResult:
        """Convert documents to `out_dir` (`<stem>.pdf`); see the module's `convert`."""
        _check_names(docx_files)
        results = _Results(on_converted)
        if not docx_files:
            return results.result
        out_dir.mkdir(parents=True, exist_ok=True)
        out_dir = out_dir.resolve()
        # Half-made PDFs stay beside out_dir's (same disk: moving one in is one rename).
        with tempfile.TemporaryDirectory(prefix=".converting-", dir=out_dir) as staging:
            self._convert(docx_files, out_dir, Path(staging), results)
        return results.result

    def _convert(
        self, docx_files: list[Path], out_dir: Path, staging: Path, results: _Results
    ) -> None:
        offices = [future.result() for future in self._offices]
        if not any(offices):
            if self._python is not None:
                _log.info("LibreOffice could not be driven over UNO: converting in batches")
                self._python = None
            _convert_in_batches(
                docx_files,
                out_dir,
                jobs=self._jobs,
                timeout=self._timeout,
                soffice=self._soffice,
                profiles=self._root,
                staging=staging,
                results=results,
            )
            return
        todo: queue.SimpleQueue[Path] = queue.SimpleQueue()
        for document in docx_files:
            todo.put(document)

        def work(slot: int) -> None:
            office = offices[slot]
            while not self._stopping.is_set():
                try:
                    document = todo.get_nowait()
                except queue.Empty:
                    break
                office = self._convert_one(office, document, staging, out_dir, results)
                offices[slot] = office
            _log.info(
                "a long-lived LibreOffice has converted %d document(s)",
                office.converted if office else 0,
            )

        executor = ThreadPoolExecutor(max_workers=len(offices))
        try:
            for future in [executor.submit(work, slot) for slot in range(len(offices))]:
                future.result()
        except BaseException:
            self._stop()  # before waiting for the workers: Ctrl-C must not wait for the wave
            raise
        finally:
            executor.shutdown()
            self._offices = [_done(office) for office in offices]
        results.result.processes = self._started

    def _convert_one(
        self,
        office: _Office | None,
        document: Path,
        staging: Path,
        out_dir: Path,
        results: _Results,
    ) -> _Office | None:
        """Convert one document, retried once (in a fresh LibreOffice after a hang or crash);
        return the office to use next (a new one after a hang, a crash or `RECYCLE_AFTER`
        documents)."""
        made = staging / f"{document.stem}.pdf"
        reason = "LibreOffice could not be started"
        for _ in range(2):
            if self._stopping.is_set():
                return office  # a document cut short by Ctrl-C has not failed
            if office is None or not office.alive or office.converted >= RECYCLE_AFTER:
                if office is not None:
                    self._retire(office)
                office = self._start()
                if office is None:
                    continue
            made.unlink(missing_ok=True)
            problem = office.convert(document.resolve(), made, self._timeout)
            if problem is None:
                problem = check_pdf(made)
                if problem == "LibreOffice did not write a PDF":
                    problem = "LibreOffice could not open or convert it"
            if problem is None:
                pdf = out_dir / made.name
                os.replace(made, pdf)
                results.settle(document, pdf)
                return office
            reason = problem
        results.settle(document, None, reason)
        return office


def _done(office: _Office | None) -> Future[_Office | None]:
    future: Future[_Office | None] = Future()
    future.set_result(office)
    return future
