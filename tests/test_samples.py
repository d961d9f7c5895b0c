"""The committed samples: valid ones build, each invalid one shows its one planted mistake
where `samples/invalid/EXPECTED.md` says, all are synthetic, and all match their generator."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pipeline.intake import read_workbook
from pipeline.model import ConditionKind, MedicineUse, Route, Trigger
from pipeline.uk import nhs_check_digit, normalise_uk_phone
from pipeline.validate import Intake, check_intake

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
INVALID = SAMPLES / "invalid"
SAMPLE_TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def samples() -> Intake:
    return check_intake(SAMPLES, today=SAMPLE_TODAY)


@pytest.fixture(scope="module")
def invalid() -> Intake:
    return check_intake(INVALID, today=SAMPLE_TODAY)


def _expected() -> list[tuple[str, str, str]]:
    rows = []
    for line in (INVALID / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].endswith(".xlsx"):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


EXPECTED = _expected()


def test_expected_lists_every_invalid_workbook() -> None:
    listed = {file for file, _, _ in EXPECTED}
    present = {p.name for p in INVALID.glob("*.xlsx")} - {"school.xlsx"}
    assert listed == present and len(listed) >= 15


@pytest.mark.parametrize(("file", "where", "message"), EXPECTED, ids=[row[0] for row in EXPECTED])
def test_each_invalid_sample_shows_its_one_mistake(
    invalid: Intake, file: str, where: str, message: str
) -> None:
    assert invalid.school is not None, invalid.school_problems
    (checked,) = [c for c in invalid.pupils if c.path.name == file]
    assert not checked.ok and checked.plan is None
    (error,) = checked.errors
    assert error.where == ("" if where == "(whole file)" else where)
    assert message in error.message
    assert error.hint and error.file == file


def test_valid_samples_all_build(samples: Intake) -> None:
    assert samples.ok, [str(p) for p in samples.problems if p.is_error]
    assert samples.school_file == SAMPLES / "school.xlsx"
    assert len(samples.pupils) >= 8
    # warnings are allowed, and the samples show the two kinds the README mentions
    warnings = [str(w) for c in samples.pupils for w in c.warnings]
    assert any("within 30 days" in w for w in warnings)
    assert any("no healthcare professional has agreed" in w for w in warnings)


def test_samples_cover_the_cases_a_school_meets(samples: Intake) -> None:
    plans = [c.plan for c in samples.pupils if c.plan]
    kinds = {kind for plan in plans for kind in plan.condition_kinds}
    assert kinds == set(ConditionKind)
    assert any(len(plan.conditions.conditions) >= 2 for plan in plans)
    assert any(
        plan.age_on(plan.agreement.plan_date) >= 14 and plan.voice.want_staff_to_know
        for plan in plans
    )
    assert any(plan.background.trigger is Trigger.RETURNING for plan in plans)
    complex_needs = [
        p for p in plans if len(p.medicines.medicines) >= 6 and len(p.training.training) >= 6
    ]
    assert complex_needs
    assert any(
        m.controlled_drug and m.route is Route.BUCCAL for p in plans for m in p.medicines.medicines
    )
    assert any(
        len([m for m in p.medicines.medicines if m.route is Route.AUTO_INJECTOR]) == 2
        for p in plans
    )
    assert any(m.use is MedicineUse.EMERGENCY for p in plans for m in p.medicines.medicines)
    agreed = [p.agreement.is_agreed for p in plans]
    assert agreed.count(False) >= 1 and agreed.count(True) >= 5
    assert any(p.pupil.nhs_number for p in plans)
    photos = [p.pupil.photo for p in plans if p.pupil.photo]
    assert photos and all((SAMPLES / photo).is_file() for photo in photos)
    for plan in plans:
        assert plan.agreement.plan_date.year == 2026 and plan.agreement.review_date.year == 2027


def _all_values(folder: Path) -> list[str]:
    """Everything typed into the samples' boxes and tables (not the form's own guidance)."""
    values = []
    for path in sorted(folder.glob("*.xlsx")):
        for section in read_workbook(path).sections.values():
            cells = list(section.fields.values())
            cells += [
                c for table in section.tables.values() for r in table.rows for c in r.cells.values()
            ]
            values += [str(cell.value) for cell in cells if not cell.is_blank]
    return values


def test_samples_are_synthetic() -> None:
    """No number in a sample can reach a real person; no NHS number can be a real one."""
    text = "\n".join(_all_values(SAMPLES) + _all_values(INVALID))
    drama = re.compile(r"^(01632 960\d{3}|07700 900\d{3}|0113 496 0\d{3})$")
    phones = re.findall(r"(?<![\d])0\d{3,4} ?\d{3} ?\d{3,4}(?![\d])", text)
    phones += ["0" + n for n in re.findall(r"^(\d{10})$", text, re.MULTILINE)]  # lost zeros
    assert len(phones) > 50
    for phone in phones:
        assert drama.match(normalise_uk_phone(phone)), phone
    for nhs in re.findall(r"\b\d{3} \d{3} \d{4}\b", text):
        assert nhs.startswith("999"), nhs
        assert nhs_check_digit(nhs.replace(" ", "")[:9]) is not None
    for email in re.findall(r"[\w.]+@[\w.]+", text):
        assert email.endswith(("example.com", "example.org")), email
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme.lower() or "invented" in readme.lower()


def test_committed_samples_equal_what_the_generator_writes(
    tmp_path: Path, make_samples: ModuleType, describe: Callable[[Path], dict[str, Any]]
) -> None:
    """If this fails, run `.venv/bin/python samples/make_samples.py` and commit samples/."""
    make_samples.write_samples(tmp_path)
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(SAMPLES)
        for p in SAMPLES.rglob("*")
        if p.is_file() and p.suffix in (".xlsx", ".png", ".md") and p.name != "README.md"
    )
    assert fresh == committed
    for relative in fresh:
        if relative.suffix == ".xlsx":
            assert describe(tmp_path / relative) == describe(SAMPLES / relative), relative
        else:
            assert (tmp_path / relative).read_bytes() == (SAMPLES / relative).read_bytes()
