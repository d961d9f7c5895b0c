"""Shared fixtures: blank forms, the synthetic samples, and filled intake folders.

Filled workbooks are real `.xlsx` files written with openpyxl by `pipeline.form.fill_form`, from
the same synthetic pupils as `samples/` (see `tests/data/README.md`).
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openpyxl import load_workbook

from pipeline.form import fill_form, write_pupil_form, write_school_form
from pipeline.model import Nation

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FORMS = ROOT / "forms"

#: the day the samples are checked against, so warnings do not change with the calendar
SAMPLE_TODAY = date(2026, 11, 24)


def _load_make_samples() -> ModuleType:
    name = "make_samples"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SAMPLES / "make_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def make_samples() -> ModuleType:
    """`samples/make_samples.py` as a module: its synthetic pupils and school."""
    return _load_make_samples()


@pytest.fixture(scope="session")
def blank_forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three blank forms, freshly generated from the model."""
    folder = tmp_path_factory.mktemp("forms")
    return {
        "england": write_pupil_form(folder / "ihp-intake.xlsx", Nation.ENGLAND),
        "wales": write_pupil_form(folder / "ihp-intake-wales.xlsx", Nation.WALES),
        "school": write_school_form(folder / "school-details.xlsx"),
    }


Change = Callable[[dict[str, Any], dict[str, list[dict[str, Any]]]], None]


@pytest.fixture
def write_pupil(blank_forms: dict[str, Path], make_samples: ModuleType) -> Callable[..., Path]:
    """Write a pupil workbook from a sample (default Amelia, asthma), optionally changed first.

    `change(fields, tables)` edits the defined-name values and table rows in place.
    """

    def write(
        dest: Path,
        sample: str = "amelia",
        change: Change | None = None,
        *,
        nation: Nation = Nation.ENGLAND,
    ) -> Path:
        base = getattr(make_samples, sample)()
        fields, tables = copy.deepcopy(base.fields), copy.deepcopy(base.tables)
        fields["pupil_photo"] = None  # the photo file is not copied beside test workbooks
        fields["pupil_photo_consent"] = None
        if change:
            change(fields, tables)
        form = blank_forms["wales" if nation is Nation.WALES else "england"]
        return fill_form(form, dest, fields, tables)

    return write


@pytest.fixture
def write_school(blank_forms: dict[str, Path], make_samples: ModuleType) -> Callable[..., Path]:
    """Write the sample school details workbook, optionally with fields replaced."""

    def write(dest: Path, **replace: Any) -> Path:
        fields = {**make_samples.SCHOOL, **{f"school_{k}": v for k, v in replace.items()}}
        return fill_form(blank_forms["school"], dest, fields)

    return write


@pytest.fixture
def intake_dir(
    tmp_path: Path, write_school: Callable[..., Path], write_pupil: Callable[..., Path]
) -> Path:
    """A folder with school.xlsx and one valid pupil workbook (amelia.xlsx)."""
    folder = tmp_path / "intake"
    folder.mkdir()
    write_school(folder / "school.xlsx")
    write_pupil(folder / "amelia.xlsx")
    return folder


def describe_workbook(path: Path) -> dict[str, Any]:
    """What a reader or a SENCo sees in a workbook, independent of how openpyxl zips it:
    sheets, cell values, names, tables, validations, formatting rules and protection."""
    wb = load_workbook(path)
    sheets: dict[str, Any] = {}
    for ws in wb.worksheets:
        sheets[ws.title] = {
            "state": ws.sheet_state,
            "cells": {
                cell.coordinate: cell.value
                for row in ws.iter_rows()
                for cell in row
                if cell.value is not None
            },
            "unlocked": sorted(
                cell.coordinate
                for row in ws.iter_rows()
                for cell in row
                if cell.protection.locked is False
            ),
            "tables": {
                t.displayName: (t.ref, [c.name for c in t.tableColumns]) for t in ws.tables.values()
            },
            "validations": sorted(
                (str(v.sqref), v.type, v.formula1, v.formula2, v.promptTitle, v.prompt)
                for v in ws.data_validations.dataValidation
            ),
            "conditional": sorted(
                (str(rng.sqref), tuple(rule.formula or ()))
                for rng in ws.conditional_formatting
                for rule in rng.rules
            ),
            "protected": ws.protection.sheet,
            "password": ws.protection.password,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "widths": {k: v.width for k, v in ws.column_dimensions.items() if v.width},
            "print_area": ws.print_area,
            "links": {
                cell.coordinate: (cell.hyperlink.location, cell.hyperlink.target)
                for row in ws.iter_rows()
                for cell in row
                if cell.hyperlink
            },
        }
    return {
        "sheets": sheets,
        "names": {name: dn.attr_text for name, dn in wb.defined_names.items()},
        "properties": {p.name: p.value for p in wb.custom_doc_props.props},
    }


@pytest.fixture(scope="session")
def describe() -> Callable[[Path], dict[str, Any]]:
    return describe_workbook
