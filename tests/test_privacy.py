"""Privacy: no pupil's name, date of birth or health details in a log; no log at all unless
`--log` asks; no network connection from a check, a build or LibreOffice.

What is proved about the network: (1) in-process, `check` and a `--no-pdf` build open no
socket at all (every way Python connects is replaced by one that fails the test); (2) a whole
build with PDFs, run as a program under `strace -f`, makes no IPv4 or IPv6 connection from
Python or from any LibreOffice process it starts (LibreOffice uses local Unix sockets only), and
LibreOffice is started without `--accept` (no listening socket); (3) every LibreOffice profile
blocks documents' links to other places and disables macros.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.build import BuildOptions, build
from pipeline.cli import cli
from pipeline.errors import ExitCode
from pipeline.files import slugify
from pipeline.libreoffice import PROFILE_SETTINGS, _Profiles
from pipeline.validate import check_intake

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TODAY = date(2026, 11, 24)
POSIX = os.name == "posix"


def _secrets(make_samples: ModuleType) -> list[str]:
    """What must never reach a log: every sample pupil's names, dates of birth (in the ways
    they are written), conditions, diagnoses and medicines, and the school's name."""
    secrets: set[str] = {make_samples.SCHOOL["school_name"]}
    for name in ("amelia", "oliver", "sofia", "ethan", "priya", "jordan", "noah", "grace"):
        sample = getattr(make_samples, name)()
        fields = sample.fields
        legal = fields["pupil_legal_name"]
        secrets |= {legal, slugify(legal), *legal.split()}
        if fields.get("pupil_preferred_name"):
            secrets.add(fields["pupil_preferred_name"])
        born: date = fields["pupil_date_of_birth"]
        secrets |= {born.isoformat(), f"{born:%d/%m/%Y}", f"{born.day} {born:%B %Y}"}
        secrets.add(sample.slug)
        for condition in sample.tables.get("Conditions", []):
            secrets |= {condition["kind"], condition.get("diagnosis") or condition["kind"]}
        for medicine in sample.tables.get("Medicines", []):
            secrets.add(medicine["name"].split()[0])
        for contact in sample.tables.get("FamilyContacts", []):
            secrets.add(contact["name"])
    return sorted(secret for secret in secrets if len(secret) >= 3)


def _leaks(text: str, secrets: list[str]) -> list[str]:
    folded = text.casefold()
    return [secret for secret in secrets if secret.casefold() in folded]


# --- logs ------------------------------------------------------------------------------------


@pytest.fixture
def intake(tmp_path: Path) -> Path:
    folder = tmp_path / "intake"
    shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns("invalid", "*.py", "*.md"))
    return folder


def test_the_log_names_no_pupil_and_no_health_detail(
    intake: Path, tmp_path: Path, make_samples: ModuleType
) -> None:
    (intake / "broken.xlsx").write_bytes(b"PK\x03\x04 broken")  # a refusal is logged too
    log = tmp_path / "logs" / "ihp.log"
    log.parent.mkdir()
    checked = CliRunner().invoke(cli, ["check", str(intake), "--log", str(log)])
    assert checked.exit_code == ExitCode.INVALID_INPUT
    built = CliRunner().invoke(
        cli, ["build", str(intake), "-o", str(tmp_path / "out"), "--no-pdf", "--log", str(log)]
    )
    assert built.exit_code == ExitCode.INVALID_INPUT, built.output
    text = log.read_text(encoding="utf-8")
    # It does say what happened: each workbook by reference, the stages, the outcome.
    assert "ihp check started" in text and "ihp build started" in text
    assert "ihp build finished: exit code 3" in text
    assert re.search(r"workbook [0-9a-f]{12} read: pupil form", text)
    assert re.search(r"workbook [0-9a-f]{12} refused: damaged", text)
    assert text.count(" read: pupil form ") == 16  # 8 pupils, checked then built
    assert (
        len(
            re.findall(
                r"pupil [0-9a-f]{12}: built, 3 file\(s\)|pupil [0-9a-f]{12}: built, 4 file\(s\)",
                text,
            )
        )
        == 8
    )
    assert "build: 9 pupil workbook(s): 8 to build, 0 unchanged, 1 need fixing" in text
    assert re.search(r"stage render took \d+\.\d s", text)
    leaks = _leaks(text, _secrets(make_samples))
    assert leaks == [], leaks
    assert "broken.xlsx" not in text and ".xlsx" not in text  # file names hold names
    if POSIX:
        assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_log_references_match_the_manifest(intake: Path, tmp_path: Path) -> None:
    """An operator finds the pupil a log line is about through the (private) manifest."""
    import json

    log = tmp_path / "ihp.log"
    output = tmp_path / "out"
    CliRunner().invoke(
        cli, ["build", str(intake), "-o", str(output), "--no-pdf", "--log", str(log)]
    )
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    hashes = {pupil["workbook"]["sha256"][:12] for pupil in manifest["pupils"]}
    logged = set(re.findall(r"workbook ([0-9a-f]{12}) read: pupil", log.read_text("utf-8")))
    assert logged == hashes and len(hashes) == 8


def test_no_log_file_unless_asked(intake: Path, tmp_path: Path, monkeypatch: Any) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", "build", str(intake), "-o", "out", "--no-pdf"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == ExitCode.OK, run.stderr
    written = {path.relative_to(work).as_posix() for path in work.rglob("*") if path.is_file()}
    outputs = {name for name in written if name.startswith("out/")}
    assert written == outputs, "only the output folder was written"
    assert not [
        name for name in written if name.endswith((".log", ".txt")) and "report" not in name
    ]
    assert list(intake.iterdir()) == list(intake.iterdir())  # nothing beside the workbooks
    assert not [path for path in intake.rglob("*") if path.suffix in (".log", ".tmp")]


def test_an_unwritable_log_file_is_a_clear_error(intake: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["check", str(intake), "--log", str(tmp_path / "missing" / "ihp.log")]
    )
    assert result.exit_code == ExitCode.OUTPUT_FAILED
    assert "cannot write the log file" in result.output and "Traceback" not in result.output


# --- no network ---------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every way Python reaches the network fails the test and is recorded."""
    attempts: list[str] = []

    def refuse(what: str) -> Any:
        def blocked(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{what}{args[1:] if args else ''}")
            raise OSError(f"network access attempted: {what}")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", refuse("sendto"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    return attempts


def test_check_and_a_word_only_build_open_no_socket(
    intake: Path, tmp_path: Path, no_network: list[str]
) -> None:
    checked = check_intake(intake, today=TODAY)
    assert checked.ok
    report = build(intake, tmp_path / "out", options=BuildOptions(no_pdf=True, today=TODAY))
    assert report.exit_code == ExitCode.OK
    assert no_network == []


def test_every_libreoffice_profile_blocks_links_and_macros(tmp_path: Path) -> None:
    profiles = _Profiles(tmp_path, 2)
    settings = sorted(tmp_path.glob("profile-*/user/registrymodifications.xcu"))
    assert len(settings) == 2 and profiles is not None
    for path in settings:
        text = path.read_text(encoding="utf-8")
        assert text == PROFILE_SETTINGS
        assert re.search(r'"BlockUntrustedRefererLinks".*<value>true</value>', text)
        assert re.search(r'"DisableMacrosExecution".*<value>true</value>', text)
        assert re.search(r'"AutoCheckEnabled".*<value>false</value>', text)


def _strace_works() -> bool:
    if not shutil.which("strace"):
        return False
    try:
        probe = subprocess.run(
            ["strace", "-o", os.devnull, "true"], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@pytest.mark.libreoffice
@pytest.mark.skipif(not _strace_works(), reason="needs strace and permission to trace")
def test_a_whole_build_with_libreoffice_makes_no_network_connection(
    intake: Path, tmp_path: Path
) -> None:
    for workbook in intake.glob("*.xlsx"):
        if workbook.name not in ("school.xlsx", "amelia-hart.xlsx"):
            workbook.unlink()
    trace = tmp_path / "trace.txt"
    run = subprocess.run(
        [
            "strace",
            "-f",
            "-qq",
            "-s",
            "300",
            "-e",
            "trace=connect,sendto,sendmsg,execve",
            "-o",
            str(trace),
            sys.executable,
            "-m",
            "pipeline",
            "build",
            str(intake),
            "-o",
            str(tmp_path / "out"),
            "--jobs",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == ExitCode.OK, run.stderr
    assert list((tmp_path / "out").glob("*/*-bundle.pdf")), "the build made its PDF"
    lines = trace.read_text(encoding="utf-8", errors="replace").splitlines()
    soffice = [line for line in lines if "execve(" in line and "soffice" in line]
    assert soffice, "LibreOffice ran under the trace"
    for line in soffice:
        # A long-lived LibreOffice listens on a named pipe only its owner can open.
        assert "socket," not in line
        assert "--accept" not in line or "--accept=pipe,name=ihp-" in line
    network = [line for line in lines if re.search(r"AF_INET6?\b", line)]
    assert network == [], network[:5]
