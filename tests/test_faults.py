"""Faults during a build: a full disk (injected, and a real tiny tmpfs), a read-only output
folder, LibreOffice killed while rebuilding, and the build itself killed (SIGKILL) at random
moments. Each leaves the files of earlier builds intact or replaced by complete new ones,
reports in plain words (no traceback) and exits with its documented code.

Ctrl-C and an intake file deleted mid-run are in `test_build_cli.py` and `test_build.py`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner, Result
from docx import Document
from pypdf import PdfReader

import pipeline.files as files
from pipeline.check_cache import CACHE_FILE
from pipeline.cli import cli
from pipeline.errors import ExitCode

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
POSIX = os.name == "posix"
PROGRAM = (sys.executable, "-m", "pipeline")


@pytest.fixture
def intake(tmp_path: Path) -> Path:
    """The eight synthetic sample pupils and their school."""
    folder = tmp_path / "intake"
    shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns("invalid", "*.py", "*.md"))
    return folder


def ihp(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def snapshot(output: Path) -> dict[str, bytes]:
    """Every file of the output folder (hidden temporary files aside) and its bytes."""
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in sorted(output.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def assert_complete(path: Path) -> None:
    """A finished document: a whole zip python-docx opens, a whole PDF, or valid JSON."""
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as package:
            assert package.testzip() is None
        Document(str(path))
    elif path.suffix == ".pdf":
        assert len(PdfReader(path).pages) >= 1
    elif path.suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    elif path.suffix in (".html", ".txt"):
        assert path.read_text(encoding="utf-8").rstrip().endswith(("</html>", "")), path


def assert_plain_failure(result: Result, code: ExitCode, words: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert words in result.output


# --- a full disk ------------------------------------------------------------------------------


def test_a_full_disk_mid_batch_keeps_the_earlier_pupils(
    intake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the 6th rename into place on, the disk is full: the pupils already moved are whole,
    and the pupil cut short has none of its files (it had none before)."""
    output = tmp_path / "out"
    real_replace = os.replace
    renames: list[str] = []

    def replace(source: object, dest: object) -> None:
        if Path(str(dest)).name == CACHE_FILE:  # the day's remembered checks, not a document
            real_replace(source, dest)  # type: ignore[arg-type]
            return
        if len(renames) >= 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dest))
        renames.append(str(dest))
        real_replace(source, dest)  # type: ignore[arg-type]

    monkeypatch.setattr(files.os, "replace", replace)
    result = ihp("build", str(intake), "-o", str(output), "--no-pdf")
    assert_plain_failure(result, ExitCode.OUTPUT_FAILED, "No space left on device")
    assert "What to do:" in result.output
    finished = [path for path in output.rglob("*.docx")]
    assert finished and Path(renames[0]) in finished
    for path in finished:
        assert_complete(path)
    for folder in {path.parent for path in finished}:
        # A pupil has all its documents or none: the one cut short was taken back out.
        kinds = {path.name.rsplit("-", 1)[-1] for path in folder.glob("*.docx")}
        assert {"IHP.docx", "Emergency.docx", "ParentLetter.docx"} <= kinds, folder.name
    assert not list(output.rglob("*.tmp")) and not list(output.glob(".ihp-work-*"))


def test_a_full_disk_keeps_the_last_builds_files(
    intake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "out"
    assert ihp("build", str(intake), "-o", str(output), "--no-pdf").exit_code == ExitCode.OK
    before = snapshot(output)

    def full(source: object, dest: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dest))

    monkeypatch.setattr(files.os, "replace", full)
    result = ihp("build", str(intake), "-o", str(output), "--no-pdf", "--force")
    assert_plain_failure(result, ExitCode.OUTPUT_FAILED, "No space left on device")
    assert snapshot(output) == before, "a failed rebuild changed the last build's files"
    assert not list(output.rglob("*.tmp")) and not list(output.glob(".ihp-work-*"))


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A small RAM file system mounted at `folder` (needs root; skips otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not POSIX or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _ihp_program(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PROGRAM, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_really_full_disk(intake: Path, tmp_path: Path) -> None:
    """A 1 MB tmpfs holds a few pupils' Word files, not eight."""
    with tmpfs(tmp_path / "disk", "1m") as disk:
        output = disk / "out"
        run = _ihp_program("build", str(intake), "-o", str(output), "--no-pdf")
        both = run.stdout + run.stderr
        assert run.returncode == ExitCode.OUTPUT_FAILED, both
        assert "Traceback" not in both and "No space left on device" in both
        finished = [path for path in output.rglob("*.docx") if not path.name.startswith(".")]
        for path in finished:
            assert_complete(path)
        assert not list(output.glob(".ihp-work-*")), "the work folder was left behind"


def test_a_read_only_output_folder_keeps_the_last_build(intake: Path, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "20m") as disk:
        output = disk / "out"
        first = _ihp_program("build", str(intake), "-o", str(output), "--no-pdf")
        assert first.returncode == ExitCode.OK, first.stderr
        before = snapshot(output)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        run = _ihp_program("build", str(intake), "-o", str(output), "--no-pdf", "--force")
        both = run.stdout + run.stderr
        assert run.returncode == ExitCode.OUTPUT_FAILED, both
        assert "Traceback" not in both and "Read-only file system" in both
        assert "What to do:" in both
        assert snapshot(output) == before


# --- LibreOffice killed while rebuilding ----------------------------------------------------------


@pytest.mark.libreoffice
@pytest.mark.skipif(not POSIX, reason="signals")
def test_libreoffice_killed_during_a_rebuild_keeps_the_earlier_files(
    intake: Path, tmp_path: Path
) -> None:
    for workbook in intake.glob("*.xlsx"):
        if workbook.name not in ("school.xlsx", "amelia-hart.xlsx", "jordan-reid.xlsx"):
            workbook.unlink()
    output = tmp_path / "out"
    first = ihp("build", str(intake), "-o", str(output), "--jobs", "1")
    assert first.exit_code == ExitCode.OK, first.output
    before = snapshot(output)
    assert sum(name.endswith("-bundle.pdf") for name in before) == 2
    killer = tmp_path / "soffice"
    killer.write_text("#!/bin/sh\nkill -9 $$\n")
    killer.chmod(0o755)
    result = ihp("build", str(intake), "-o", str(output), "--force", "--soffice", str(killer))
    assert_plain_failure(result, ExitCode.CONVERSION_FAILED, "LibreOffice crashed")
    after = snapshot(output)
    for name, content in before.items():
        if name.endswith((".docx", ".pdf")):
            assert after[name] == content, f"{name} was changed by a failed rebuild"
    assert not list(output.glob(".ihp-work-*"))


# --- the build killed at any moment ---------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="SIGKILL")
def test_a_build_killed_at_random_moments_leaves_old_or_complete_files(
    intake: Path, tmp_path: Path
) -> None:
    """SIGKILL the build at five random moments (seeded): every output file is then either the
    last build's, or a complete new one, never a truncated one."""
    output = tmp_path / "out"
    first = _ihp_program("build", str(intake), "-o", str(output), "--no-pdf")
    assert first.returncode == ExitCode.OK, first.stderr
    old = snapshot(output)
    timer = time.monotonic()
    _ihp_program("build", str(intake), "-o", str(tmp_path / "timing"), "--no-pdf")
    seconds = time.monotonic() - timer
    chance = random.Random(20261124)
    for attempt in range(5):
        process = subprocess.Popen(
            [*PROGRAM, "build", str(intake), "-o", str(output), "--no-pdf", "--force", "-q"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(chance.uniform(0.2, max(0.5, seconds)))
        workers = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # Its worker processes end too (they notice ihp has gone), rather than wait for ever.
        _, alive = psutil.wait_procs(workers, timeout=10)
        assert alive == [], f"attempt {attempt}: worker processes outlived the killed build"
        for name, content in snapshot(output).items():
            if content != old.get(name):
                assert_complete(output / name)
        assert set(old) <= set(snapshot(output)), f"attempt {attempt}: a file vanished"
    # The next build clears what the killed ones left and finishes normally.
    final = _ihp_program("build", str(intake), "-o", str(output), "--no-pdf")
    assert final.returncode == ExitCode.OK, final.stderr
    assert not list(output.glob(".ihp-work-*"))
    for name in snapshot(output):
        assert_complete(output / name)


def test_a_pupil_whose_files_cannot_all_be_moved_keeps_all_its_old_files(
    intake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills after a rebuilt pupil's first file is in place: that file is put back,
    so the pupil never has a new plan beside an old emergency sheet."""
    output = tmp_path / "out"
    assert ihp("build", str(intake), "-o", str(output), "--no-pdf").exit_code == ExitCode.OK
    before = snapshot(output)
    real_replace = os.replace
    calls: list[str] = []

    def replace(source: object, dest: object) -> None:
        calls.append(str(dest))
        if len(calls) == 2:  # the second file of the first pupil
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dest))
        real_replace(source, dest)  # type: ignore[arg-type]

    monkeypatch.setattr(files.os, "replace", replace)
    result = ihp("build", str(intake), "-o", str(output), "--no-pdf", "--force")
    assert_plain_failure(result, ExitCode.OUTPUT_FAILED, "No space left on device")
    after = snapshot(output)
    first = Path(calls[0]).parent.name
    for name, content in before.items():
        if name.startswith(f"{first}/"):
            assert after[name] == content, f"{name} is not the old version"
    rebuilt = [name for name in before if name.endswith(".docx") and after[name] != before[name]]
    assert rebuilt and not [name for name in rebuilt if name.startswith(f"{first}/")]
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    status = {Path(p["workbook"]["file"]).name: p["status"] for p in manifest["pupils"]}
    assert sorted(status.values()).count("failed") == 1
