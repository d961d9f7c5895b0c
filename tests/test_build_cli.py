"""`ihp build` as a SENCo runs it: messages, the closing summary, exit codes, Ctrl-C."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console
from terminal import ctrl_c_live
from test_build import Samples, samples  # noqa: F401  (the shared workbooks fixture)

from pipeline.build import BuildOptions
from pipeline.build_console import build_progress
from pipeline.cli import cli
from pipeline.errors import ExitCode
from pipeline.libreoffice import DEFAULT_TIMEOUT

ROOT = Path(__file__).resolve().parent.parent
POSIX = os.name == "posix"


@pytest.fixture(scope="module")
def sample_files(samples: Samples) -> tuple[Path, list[Path], list[Path]]:  # noqa: F811
    """The school file, valid and invalid workbooks written by test_build's `samples`."""
    return samples.school, samples.valid, samples.invalid


def make_intake(folder: Path, school: Path, workbooks: list[Path]) -> Path:
    folder.mkdir(parents=True)
    shutil.copy2(school, folder / school.name)
    for workbook in workbooks:
        shutil.copy2(workbook, folder / workbook.name)
    return folder


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["build", *args], env=env, catch_exceptions=False)


@pytest.mark.libreoffice
def test_one_invalid_one_valid(tmp_path: Path, sample_files) -> None:  # type: ignore[no-untyped-def]
    school, valid, invalid = sample_files
    intake = make_intake(tmp_path / "intake", school, [valid[0], invalid[0]])
    output = tmp_path / "output"
    result = run(str(intake), "-o", str(output))
    assert result.exit_code == ExitCode.INVALID_INPUT, result.output
    assert f"1 built, 0 unchanged, 1 needs fixing — see {output / 'report.html'}" in result.output
    # The invalid workbook is reported as `ihp check` reports it.
    check = CliRunner().invoke(cli, ["check", str(intake / invalid[0].name)])
    check_lines = [line.strip() for line in check.output.splitlines() if "!" in line]
    assert check_lines
    for line in check_lines:
        assert line in result.output
    assert "Traceback" not in result.output
    again = run(str(intake), "-o", str(output))
    assert again.exit_code == ExitCode.INVALID_INPUT
    assert "Nothing to rebuild: 0 built, 1 unchanged, 1 needs fixing" in again.output


def test_missing_libreoffice_is_explained(
    tmp_path: Path,
    sample_files,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    school, valid, _ = sample_files
    intake = make_intake(tmp_path / "intake", school, valid[:1])
    monkeypatch.setattr("pipeline.libreoffice.install_locations", lambda: [])
    result = run(str(intake), "-o", str(tmp_path / "out"), env={"PATH": str(tmp_path / "bin")})
    assert result.exit_code == ExitCode.LIBREOFFICE_MISSING
    assert "LibreOffice is needed to make the PDF bundles and was not found" in result.output
    assert "sudo apt-get install libreoffice-writer-nogui" in result.output
    assert "--no-pdf" in result.output
    assert not (tmp_path / "out").exists()
    missing = run(str(intake), "-o", str(tmp_path / "out"), "--soffice", str(tmp_path / "soffice"))
    assert missing.exit_code == ExitCode.LIBREOFFICE_MISSING
    assert "given with --soffice" in missing.output


def test_no_pdf_builds_word_files_only(tmp_path: Path, sample_files) -> None:  # type: ignore[no-untyped-def]
    school, valid, _ = sample_files
    intake = make_intake(tmp_path / "intake", school, valid[:1])
    result = run(str(intake), "-o", str(tmp_path / "out"), "--no-pdf", "--soffice", "/nowhere")
    assert result.exit_code == ExitCode.OK, result.output
    assert "1 built, 0 unchanged" in result.output
    assert list((tmp_path / "out").rglob("*.docx"))
    assert not list((tmp_path / "out").rglob("*.pdf"))


@pytest.mark.skipif(not POSIX, reason="signals")
def test_a_conversion_that_keeps_crashing_exits_5(tmp_path: Path, sample_files) -> None:  # type: ignore[no-untyped-def]
    school, valid, _ = sample_files
    intake = make_intake(tmp_path / "intake", school, valid[:1])
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nkill -9 $$\n")
    fake.chmod(0o755)
    result = run(str(intake), "-o", str(tmp_path / "out"), "--soffice", str(fake))
    assert result.exit_code == ExitCode.CONVERSION_FAILED
    assert "LibreOffice crashed" in result.output
    assert "0 built, 0 unchanged, 1 failed" in result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [pupil["status"] for pupil in manifest["pupils"]] == ["failed"]


def test_an_output_folder_that_cannot_be_written_exits_6(tmp_path: Path, sample_files) -> None:  # type: ignore[no-untyped-def]
    school, valid, _ = sample_files
    intake = make_intake(tmp_path / "intake", school, valid[:1])
    (tmp_path / "taken").write_text("a file, not a folder")
    result = run(str(intake), "-o", str(tmp_path / "taken" / "output"), "--no-pdf")
    assert result.exit_code == ExitCode.OUTPUT_FAILED, result.output
    assert "could not write" in result.output and "What to do:" in result.output
    # An existing file given as the output folder is a usage error, caught by the option itself.
    assert run(str(intake), "-o", str(tmp_path / "taken")).exit_code == ExitCode.USAGE


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run(str(tmp_path / "nowhere")).exit_code == ExitCode.USAGE
    assert run(str(tmp_path), "--jobs", "0").exit_code == ExitCode.USAGE


def test_quiet_and_not_a_terminal_print_no_progress(tmp_path: Path, sample_files) -> None:  # type: ignore[no-untyped-def]
    school, valid, invalid = sample_files
    intake = make_intake(tmp_path / "intake", school, [valid[0], invalid[0]])
    result = run(str(intake), "-o", str(tmp_path / "out"), "--no-pdf", "--quiet")
    assert result.output.strip().splitlines() == [
        f"1 built, 0 unchanged, 1 needs fixing — see {tmp_path / 'out' / 'report.html'}"
    ]
    plain = run(str(intake), "-o", str(tmp_path / "out2"), "--no-pdf")
    assert "pupils" not in plain.output and "\x1b[" not in plain.output


def test_default_timeout_matches_the_library() -> None:
    timeout = next(p for p in cli.commands["build"].params if p.name == "timeout")
    assert timeout.default == DEFAULT_TIMEOUT == BuildOptions().timeout


def _soffice_processes(marker: str) -> list[int]:
    """Running processes whose command line mentions `marker` (our output folder)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (
                (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            )
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in command and "office" in command and state != "Z":
            found.append(int(proc.name))
    return found


@pytest.mark.libreoffice
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_leaves_no_libreoffice_and_no_partial_files(
    tmp_path: Path,
    sample_files,  # type: ignore[no-untyped-def]
) -> None:
    school, valid, _ = sample_files
    intake = make_intake(tmp_path / "intake", school, valid)
    output = tmp_path / "output"
    process = subprocess.Popen(
        ctrl_c_live(
            [
                sys.executable,
                "-m",
                "pipeline",
                "build",
                str(intake),
                f"--output={output}",
                "--jobs=2",
            ]
        ),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # Ctrl-C while converting: LibreOffice runs (it starts early) and Word files are made.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (
        _soffice_processes(str(output)) and list(output.glob(".ihp-work-*/*/*.docx"))
    ):
        assert process.poll() is None, process.communicate()[0].decode()
        time.sleep(0.05)
    assert _soffice_processes(str(output)), "LibreOffice never started"
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == ExitCode.INTERRUPTED, out.decode()
    assert "Stopped (Ctrl-C)" in out.decode()
    assert _soffice_processes(str(output)) == [], "LibreOffice outlived ihp build"
    assert not list(output.glob(".ihp-work-*")), "the work folder was left behind"
    assert not list(output.rglob("*.tmp")), "a half-written file was left behind"
    # Whatever was finished before Ctrl-C is complete and listed in the manifest.
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    listed = {item["file"] for pupil in manifest["pupils"] for item in pupil["outputs"]}
    on_disk = {
        path.relative_to(output).as_posix()
        for path in output.rglob("*")
        if path.is_file() and path.parent != output and ".ihp-libreoffice" not in path.parts
    }
    assert on_disk == listed
    # LibreOffice's kept profiles, possibly half-written when it was killed, are not kept.
    assert not list(output.glob(".ihp-libreoffice/profile-*/"))


def test_one_workbook_with_the_school_file_elsewhere(tmp_path: Path, sample_files) -> None:  # type: ignore[no-untyped-def]
    school, valid, _ = sample_files
    folder = tmp_path / "one"
    folder.mkdir()
    workbook = folder / valid[0].name
    shutil.copy2(valid[0], workbook)
    out = tmp_path / "out"
    result = run(str(workbook), "-o", str(out), "--no-pdf", "--school", str(school))
    assert result.exit_code == ExitCode.OK, result.output
    assert "1 built, 0 unchanged" in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["school"]["file"] == school.name
    assert [pupil["workbook"]["file"] for pupil in manifest["pupils"]] == [valid[0].name]


def test_progress_bar_shows_pupils_done_and_time_left() -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    with build_progress(terminal, enabled=True) as progress:
        assert progress is not None
        progress(0.0, 0, "checking workbooks")
        progress(3.4, 8, "converting to PDF")
    shown = screen.getvalue()
    assert "converting to PDF" in shown
    assert "3/8 pupils" in shown
    assert "left" in shown
    with build_progress(terminal, enabled=False) as progress:
        assert progress is None
