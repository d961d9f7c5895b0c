"""Word to PDF/A with real LibreOffice; stand-in `soffice` and bridge scripts only to inject hangs,
crashes and a LibreOffice without UNO."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from pypdf import PdfReader
from terminal import ctrl_c_live

from pipeline import libreoffice
from pipeline.errors import ConversionError, LibreOfficeMissingError
from pipeline.libreoffice import (
    PDF_FILTER,
    ConversionResult,
    Converter,
    bridge_python,
    check_pdf,
    convert,
    find_soffice,
    soffice_version,
)

POSIX = os.name == "posix"


def make_docx(path: Path, heading: str, text: str) -> Path:
    document = Document()
    document.add_heading(heading, 1)
    document.add_paragraph(text)
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("docx")
    return [
        make_docx(folder / f"pupil-{n}-IHP.docx", f"Plan {n}", f"Emergency step for pupil {n}")
        for n in range(4)
    ]


def fake_soffice(folder: Path, body: str) -> Path:
    """A stand-in for soffice that misbehaves; it records its process group in `pgids`."""
    script = folder / "soffice"
    script.write_text(
        "#!/bin/sh\n"
        f'echo $$ >> "{folder}/pgids"\n'
        'case "$*" in *--version*) echo "LibreOffice 7.4.7.2 40(Build:2)"; exit 0;; esac\n'
        + textwrap.dedent(body)
    )
    script.chmod(0o755)
    return script


def live_groups(folder: Path) -> set[int]:
    """Process groups recorded by a fake soffice that still have a running process."""
    pgids_file = folder / "pgids"
    if not pgids_file.exists():
        return set()
    groups = {int(line) for line in pgids_file.read_text().split()}
    alive = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) in groups:
            alive.add(int(fields[2]))
    return alive


# --- finding LibreOffice ------------------------------------------------------------------------


def test_missing_libreoffice_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LibreOfficeMissingError) as raised:
        find_soffice(locations=[tmp_path / "nowhere" / "soffice"])
    assert "was not found" in raised.value.message
    assert "sudo apt-get install libreoffice-writer-nogui" in raised.value.hint
    assert "--no-pdf" in raised.value.hint and "--soffice" in raised.value.hint
    assert int(raised.value.exit_code) == 4


def test_explicit_soffice_must_exist(tmp_path: Path) -> None:
    with pytest.raises(LibreOfficeMissingError, match="given with --soffice"):
        find_soffice(tmp_path / "soffice")
    fake = fake_soffice(tmp_path, "exit 0\n")
    assert find_soffice(fake) == fake


def test_soffice_found_on_path_then_at_install_locations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_path = tmp_path / "bin"
    on_path.mkdir()
    fake = fake_soffice(on_path, "exit 0\n")
    monkeypatch.setenv("PATH", str(on_path))
    assert find_soffice(locations=[]) == fake
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_soffice(locations=[tmp_path / "missing", fake]) == fake


@pytest.mark.libreoffice
def test_real_soffice_version() -> None:
    version = soffice_version(find_soffice())
    assert version.split(".")[0].isdigit()


def test_version_of_something_else_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "notoffice"
    script.write_text("#!/bin/sh\necho hello\n")
    script.chmod(0o755)
    with pytest.raises(ConversionError, match="did not say which LibreOffice version"):
        soffice_version(script)


# --- real conversion --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def converted(
    documents: list[Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("pdf")
    return out, convert(documents, out, jobs=2, timeout=180, soffice=find_soffice())


def _all_converted(documents: list[Path], out: Path, result: ConversionResult) -> None:
    assert result.failed == {}
    assert sorted(path.name for path in out.iterdir()) == [
        f"pupil-{n}-IHP.pdf" for n in range(4)
    ], "only finished PDFs reach the output folder"
    for n, document in enumerate(documents):
        pdf = result.pdfs[document]
        assert pdf == out / f"pupil-{n}-IHP.pdf"
        text = PdfReader(pdf).pages[0].extract_text()
        assert f"Emergency step for pupil {n}" in text


@pytest.mark.libreoffice
def test_a_few_documents_go_to_one_long_lived_libreoffice(
    documents: list[Path], converted: tuple[Path, ConversionResult]
) -> None:
    assert bridge_python(find_soffice()) is not None, "the install provides python3-uno"
    out, result = converted
    _all_converted(documents, out, result)
    assert result.processes == 1, "4 documents do not pay for a second LibreOffice start-up"


@pytest.mark.libreoffice
def test_long_lived_libreoffices_share_the_documents(
    documents: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(libreoffice, "DOCUMENTS_PER_OFFICE", 2)
    settled: list[Path] = []
    result = convert(
        documents,
        tmp_path / "out",
        jobs=2,
        soffice=find_soffice(),
        on_converted=lambda docx, pdf: settled.append(docx),
    )
    _all_converted(documents, tmp_path / "out", result)
    assert result.processes == 2
    assert sorted(settled) == sorted(documents)


@pytest.mark.libreoffice
def test_many_documents_per_process_in_batches(documents: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = convert(documents, out, jobs=2, soffice=find_soffice(), long_lived=False)
    _all_converted(documents, out, result)
    assert result.processes == 2, "4 documents with --jobs 2 are two batches"


@pytest.mark.libreoffice
def test_conversion_writes_tagged_pdf_a_2b(converted: tuple[Path, ConversionResult]) -> None:
    out, _ = converted
    with pikepdf.open(out / "pupil-0-IHP.pdf") as pdf:
        xmp = pdf.open_metadata()
        assert xmp["pdfaid:part"] == "2"
        assert xmp["pdfaid:conformance"] == "B"
        assert len(pdf.Root.OutputIntents) == 1
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root


def test_filter_options_use_the_json_syntax() -> None:
    assert PDF_FILTER.startswith(
        'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}'
    )
    assert '"UseTaggedPDF":{"type":"boolean","value":"true"}' in PDF_FILTER


def test_same_file_names_cannot_be_converted_together(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="different file names"):
        convert([tmp_path / "a" / "x.docx", tmp_path / "b" / "x.docx"], tmp_path, soffice=Path("x"))


def test_check_pdf_spots_truncated_and_empty_files(
    tmp_path: Path, converted: tuple[Path, ConversionResult]
) -> None:
    assert check_pdf(tmp_path / "missing.pdf") == "LibreOffice did not write a PDF"
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert check_pdf(tmp_path / "empty.pdf") == "LibreOffice wrote an empty file"
    out, _ = converted
    whole = (out / "pupil-1-IHP.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(whole[: len(whole) // 2])
    assert check_pdf(tmp_path / "cut.pdf") == "LibreOffice stopped before the PDF was finished"
    assert check_pdf(out / "pupil-1-IHP.pdf") is None


# --- faults -------------------------------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="process groups")
def test_a_hung_conversion_is_killed_retried_once_then_reported(
    tmp_path: Path, documents: list[Path]
) -> None:
    # The hang leaves a grandchild behind too: the whole process group must go.
    fake = fake_soffice(tmp_path, "sleep 300 &\nsleep 300\n")
    settled: list[tuple[Path, Path | None]] = []
    out = tmp_path / "out"
    result = convert(
        documents[:2],
        out,
        jobs=2,
        timeout=1.5,
        soffice=fake,
        on_converted=lambda docx, pdf: settled.append((docx, pdf)),
    )
    assert result.processes == 4, "one chunk per job, then one retry per document"
    _all_hung(result, settled, documents[:2], tmp_path, out)


def _all_hung(
    result: ConversionResult,
    settled: list[tuple[Path, Path | None]],
    documents: list[Path],
    folder: Path,
    out: Path,
) -> None:
    """Every document reported as hung, none half-made, no LibreOffice left running."""
    assert result.pdfs == {}
    assert set(result.failed) == set(documents)
    assert all("did not finish within 1.5 seconds" in why for why in result.failed.values())
    assert sorted(settled) == sorted((document, None) for document in documents)
    assert live_groups(folder) == set(), "a hung LibreOffice was left running"
    assert list(out.iterdir()) == []


@pytest.mark.skipif(not POSIX, reason="signals")
def test_a_crashing_conversion_is_reported(tmp_path: Path, documents: list[Path]) -> None:
    fake = fake_soffice(tmp_path, "kill -9 $$\n")
    result = convert(documents[:1], tmp_path / "out", jobs=1, timeout=60, soffice=fake)
    assert result.failed == {documents[0]: "LibreOffice crashed (signal 9)"}
    assert result.processes == 2


@pytest.mark.libreoffice
@pytest.mark.skipif(not POSIX, reason="signals")
def test_a_crash_is_retried_and_the_retry_converts(tmp_path: Path, documents: list[Path]) -> None:
    # The first LibreOffice process dies; the retry runs the real one.
    fake = fake_soffice(
        tmp_path,
        f"""\
        if [ ! -e "{tmp_path}/crashed" ]; then touch "{tmp_path}/crashed"; kill -9 $$; fi
        exec "{find_soffice()}" "$@"
        """,
    )
    result = convert(documents[:2], tmp_path / "out", jobs=1, timeout=120, soffice=fake)
    assert result.failed == {}
    assert sorted(pdf.name for pdf in result.pdfs.values()) == [
        "pupil-0-IHP.pdf",
        "pupil-1-IHP.pdf",
    ]
    assert result.processes == 3, "one chunk that crashed, then one process per document"


@pytest.mark.skipif(not POSIX, reason="signals")
def test_ctrl_c_kills_every_libreoffice_process(tmp_path: Path, documents: list[Path]) -> None:
    fake = fake_soffice(tmp_path, "sleep 300 &\nsleep 300\n")
    program = textwrap.dedent(
        f"""\
        from pathlib import Path
        from pipeline.libreoffice import convert
        documents = [Path(p) for p in {[str(d) for d in documents]!r}]
        try:
            convert(documents, Path({str(tmp_path / "out")!r}), jobs=2, timeout=300,
                    soffice=Path({str(fake)!r}))
        except KeyboardInterrupt:
            raise SystemExit(130)
        """
    )
    process = subprocess.Popen(
        ctrl_c_live([sys.executable, "-c", program]), cwd=Path(__file__).parent.parent
    )
    deadline = time.monotonic() + 60
    while len(live_groups(tmp_path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(live_groups(tmp_path)) == 2, "both LibreOffice processes should be running"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert live_groups(tmp_path) == set(), "Ctrl-C left LibreOffice running"


# --- faults of a long-lived LibreOffice: a stand-in bridge script misbehaves ---------------------

REAL_BRIDGE = libreoffice._BRIDGE


def fake_bridge(folder: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    """Drive LibreOffice through `body` instead of the real bridge (returned, for a program run
    apart to use); it records its process group in `pgids`, and may hand over to the real bridge
    (`real()`)."""
    script = folder / "bridge.py"
    script.write_text(
        textwrap.dedent(
            f"""\
            import json, os, subprocess, sys, time
            with open({str(folder / "pgids")!r}, "a") as pgids:
                pgids.write(f"{{os.getpgrp()}}\\n")

            def say(message):
                sys.stdout.write(json.dumps(message) + "\\n")
                sys.stdout.flush()

            def real():
                os.execv(sys.executable, [sys.executable, {str(REAL_BRIDGE)!r}, *sys.argv[1:]])

            """
        )
        + textwrap.dedent(body)
    )
    monkeypatch.setattr(libreoffice, "_BRIDGE", script)
    return script


@pytest.mark.skipif(not POSIX, reason="process groups")
@pytest.mark.libreoffice
def test_a_hung_long_lived_conversion_is_killed_retried_once_then_reported(
    tmp_path: Path, documents: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ready, then every document hangs, with a grandchild behind: the whole group must go.
    fake_bridge(
        tmp_path,
        monkeypatch,
        """\
        say({"ready": True})
        subprocess.Popen(["sleep", "300"])
        for line in sys.stdin:
            time.sleep(300)
        """,
    )
    settled: list[tuple[Path, Path | None]] = []
    out = tmp_path / "out"
    result = convert(
        documents[:2],
        out,
        jobs=1,
        timeout=1.5,
        soffice=find_soffice(),
        on_converted=lambda docx, pdf: settled.append((docx, pdf)),
    )
    assert result.processes == 4, "each document tried twice, a fresh LibreOffice each time"
    _all_hung(result, settled, documents[:2], tmp_path, out)


@pytest.mark.skipif(not POSIX, reason="signals")
@pytest.mark.libreoffice
def test_a_long_lived_libreoffice_that_crashes_is_replaced(
    tmp_path: Path, documents: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first LibreOffice dies on its first document; the next one is the real thing.
    fake_bridge(
        tmp_path,
        monkeypatch,
        f"""\
        if not os.path.exists({str(tmp_path / "crashed")!r}):
            open({str(tmp_path / "crashed")!r}, "w").close()
            say({{"ready": True}})
            sys.stdin.readline()
            os.kill(os.getpid(), 9)
        real()
        """,
    )
    result = convert(documents[:2], tmp_path / "out", jobs=1, timeout=120, soffice=find_soffice())
    assert result.failed == {}
    assert sorted(pdf.name for pdf in result.pdfs.values()) == [
        "pupil-0-IHP.pdf",
        "pupil-1-IHP.pdf",
    ]
    assert result.processes == 2
    assert live_groups(tmp_path) == set()


@pytest.mark.libreoffice
def test_without_uno_documents_are_converted_in_batches(
    tmp_path: Path, documents: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a LibreOffice whose Python lacks `uno` does: the bridge cannot start.
    fake_bridge(tmp_path, monkeypatch, 'say({"ready": False})\n')
    result = convert(documents[:2], tmp_path / "out", jobs=1, timeout=120, soffice=find_soffice())
    assert result.failed == {}
    assert len(result.pdfs) == 2
    assert result.processes == 1, "one batch of two documents"


@pytest.mark.skipif(not POSIX, reason="signals")
@pytest.mark.libreoffice
def test_ctrl_c_kills_every_long_lived_libreoffice(tmp_path: Path, documents: list[Path]) -> None:
    program = textwrap.dedent(
        f"""\
        import os
        from pathlib import Path
        from pipeline import libreoffice
        from pipeline.libreoffice import Converter, find_soffice
        documents = [Path(p) for p in {[str(d) for d in documents]!r}]
        try:
            with Converter(find_soffice(), jobs=2, documents=16) as converter:
                converter.convert(documents[:1], Path({str(tmp_path / "out")!r}))
                print("converted", flush=True)
                with libreoffice._running_lock:
                    groups = [os.getpgid(p.pid) for p in libreoffice._running]
                with open({str(tmp_path / "pgids")!r}, "w") as pgids:
                    pgids.write("\\n".join(map(str, groups)))
                input()
        except KeyboardInterrupt:
            raise SystemExit(130)
        """
    )
    process = subprocess.Popen(
        ctrl_c_live([sys.executable, "-c", program]),
        cwd=Path(__file__).parent.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "converted"
    deadline = time.monotonic() + 30
    while len(live_groups(tmp_path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(live_groups(tmp_path)) == 2, "two long-lived LibreOffice processes are running"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert live_groups(tmp_path) == set(), "Ctrl-C left LibreOffice running"


@pytest.mark.skipif(not POSIX, reason="signals")
@pytest.mark.libreoffice
@pytest.mark.parametrize("when", ["starting", "converting"])
def test_ctrl_c_stops_at_once_and_keeps_no_profile(
    tmp_path: Path, documents: list[Path], monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    # Each LibreOffice takes five minutes to start, or to convert each document it is given.
    bridge = fake_bridge(
        tmp_path,
        monkeypatch,
        "time.sleep(300)\n"
        if when == "starting"
        else f"""\
        say({{"ready": True}})
        for line in sys.stdin:
            open({str(tmp_path)!r} + f"/converting-{{os.getpid()}}", "w").close()
            time.sleep(300)
        """,
    )
    kept = tmp_path / "kept"
    program = textwrap.dedent(
        f"""\
        from pathlib import Path
        from pipeline import libreoffice
        libreoffice._BRIDGE = Path({str(bridge)!r})
        documents = [Path(p) for p in {[str(d) for d in documents]!r}]
        try:
            with libreoffice.Converter(
                libreoffice.find_soffice(), jobs=2, documents=16, timeout=300,
                profiles=Path({str(kept)!r}),
            ) as converter:
                converter.convert(documents, Path({str(tmp_path / "out")!r}))
        except KeyboardInterrupt:
            raise SystemExit(130)
        """
    )
    process = subprocess.Popen(
        ctrl_c_live([sys.executable, "-c", program]), cwd=Path(__file__).parent.parent
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        len(live_groups(tmp_path)) == 2
        and (when == "starting" or len(list(tmp_path.glob("converting-*"))) == 2)
    ):
        time.sleep(0.1)
    assert len(live_groups(tmp_path)) == 2, "two LibreOffice processes should be running"
    assert len(list(kept.glob("profile-*/"))) == 2
    process.send_signal(signal.SIGINT)
    # Without waiting for the start, or for the documents LibreOffice is working on.
    assert process.wait(timeout=60) == 130
    assert live_groups(tmp_path) == set(), "Ctrl-C left LibreOffice running"
    assert len((tmp_path / "pgids").read_text().split()) == 2, "no LibreOffice after Ctrl-C"
    assert not list(kept.glob("profile-*/")), "a profile LibreOffice was killed in was kept"
    assert not list((tmp_path / "out").glob("*.pdf"))


@pytest.mark.libreoffice
def test_folders_with_spaces_quotes_and_accents_convert(
    tmp_path: Path, documents: list[Path]
) -> None:
    # A school's real folder names: the long-lived LibreOffice is given file URLs, not text.
    folder = tmp_path / "Healthcare plans — Zoë's class 2026"
    folder.mkdir()
    document = folder / "zoë-o'brien #1-IHP.docx"
    document.write_bytes(documents[0].read_bytes())
    result = convert([document], folder / "PDFs (final)", jobs=1, soffice=find_soffice())
    assert result.failed == {}
    pdf = result.pdfs[document]
    assert pdf == folder / "PDFs (final)" / "zoë-o'brien #1-IHP.pdf"
    assert "Emergency step for pupil 0" in PdfReader(pdf).pages[0].extract_text()


@pytest.mark.libreoffice
@pytest.mark.skipif(not POSIX, reason="profiles are kept on POSIX only")
def test_profiles_are_kept_between_runs_but_never_shared(
    tmp_path: Path, documents: list[Path]
) -> None:
    kept = tmp_path / "kept"
    soffice = find_soffice()
    with Converter(soffice, jobs=1, documents=1, profiles=kept) as first:
        assert first.convert(documents[:1], tmp_path / "a").failed == {}
        # Another build at the same time gets a profile of its own.
        with Converter(soffice, jobs=1, documents=1, profiles=kept) as second:
            assert second.convert(documents[1:2], tmp_path / "b").failed == {}
    assert sorted(path.name for path in kept.glob("profile-*/")) == ["profile-1", "profile-2"]
    used = (kept / "profile-1" / "user" / "registrymodifications.xcu").stat().st_mtime_ns
    with Converter(soffice, jobs=1, documents=1, profiles=kept) as later:
        assert later.convert(documents[2:3], tmp_path / "c").failed == {}
    assert sorted(path.name for path in kept.glob("profile-*/")) == ["profile-1", "profile-2"]
    assert (kept / "profile-1" / "user" / "registrymodifications.xcu").stat().st_mtime_ns >= used
    settings = (kept / "profile-1" / "user" / "registrymodifications.xcu").read_text("utf-8")
    assert "DisableMacrosExecution" in settings, "LibreOffice kept ihp's safety settings"
