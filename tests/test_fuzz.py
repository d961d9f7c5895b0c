"""Property-based tests: whatever lands in the boxes and tables of a real workbook, `ihp check`
answers with problems pointing at a sheet and cell (never an exception or a traceback); and
any plan that validates renders into Word files that reopen and hold the text as typed."""

from __future__ import annotations

import copy
import json
import re
import tempfile
import unicodedata
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner
from docx import Document
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from plans import plan_fields
from pydantic import ValidationError

from pipeline.cli import cli
from pipeline.form import fill_form
from pipeline.model import SECTIONS, Plan, defined_name, single_fields, table_fields
from pipeline.render import DocumentKind, Templates, load_templates, render

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: every box of the England form, by defined name
BOXES = [
    defined_name(key, name)
    for key, section in SECTIONS.items()
    if key != "idp"
    for name in single_fields(section)
]
#: every column of every table of the England form
COLUMNS = [
    (row_model.table, column)
    for key, section in SECTIONS.items()
    if key != "idp"
    for row_model in table_fields(section).values()
    for column in row_model.model_fields
]

# Characters XML cannot hold are stored by Excel as `_xHHHH_`; do the same.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _as_excel_stores(text: str) -> str:
    return _ILLEGAL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)


cell_values = st.one_of(
    st.none(),
    st.text(max_size=300).map(_as_excel_stores),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),  # a cell cannot hold NaN or infinity
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.booleans(),
    st.sampled_from(
        [
            "",
            "   ",
            "#N/A",
            "=1+1",
            "=cmd|' /C calc'!A0",
            "Yes",
            "no",
            "31/02/2018",
            "01/01/1900",
            "{{ 7*7 }}",
            "{% include '/etc/passwd' %}",
            "0",
            "-1",
            "1e308",
            "Asthma",
            "Inhaled",
            "x" * 5000,
            "_x000B_",
        ]
    ),
)


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory, make_samples: ModuleType) -> Path:
    from pipeline.form import write_school_form

    folder = tmp_path_factory.mktemp("fuzz-school")
    return fill_form(
        write_school_form(folder / "form.xlsx"), folder / "school.xlsx", make_samples.SCHOOL
    )


@FUZZ
@given(
    boxes=st.dictionaries(st.sampled_from(BOXES), cell_values, max_size=12),
    cells=st.dictionaries(st.sampled_from(COLUMNS), cell_values, max_size=8),
)
def test_ihp_check_answers_anything_in_any_box_with_a_sheet_and_cell(
    boxes: dict[str, Any],
    cells: dict[tuple[str, str], Any],
    blank_forms: dict[str, Path],
    make_samples: ModuleType,
    school: Path,
) -> None:
    sample = make_samples.amelia()
    fields, tables = copy.deepcopy(sample.fields), copy.deepcopy(sample.tables)
    fields["pupil_photo"] = fields["pupil_photo_consent"] = None
    fields.update(boxes)
    for (table, column), value in cells.items():
        rows = tables.setdefault(table, [])
        if not rows:
            rows.append({})
        rows[0][column] = value
    with tempfile.TemporaryDirectory() as folder:
        workbook = fill_form(blank_forms["england"], Path(folder) / "fuzzed.xlsx", fields, tables)
        result = CliRunner().invoke(
            cli, ["check", "--json", "--school", str(school), str(workbook)]
        )
    assert result.exit_code in (0, 3), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    report = json.loads(result.stdout)
    ((checked),) = report["workbooks"]
    assert checked["ok"] == (checked["errors"] == 0)
    for problem in checked["problems"]:
        assert problem["file"] == "fuzzed.xlsx"
        assert problem["sheet"] and problem["cell"], problem
        assert problem["message"] and problem["hint"], problem
        text = problem["message"] + problem["hint"]
        assert "\n" not in text and "Traceback" not in text
        assert "pydantic" not in text.lower() and "<class" not in text


# --- every valid plan renders ---------------------------------------------------------------

_WORD = st.text(
    alphabet=st.characters(categories=["L", "M", "N", "P", "S"]), min_size=1, max_size=12
)
_PHRASE = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)


@pytest.fixture(scope="module")
def templates() -> Templates:
    return load_templates()


def _all_text(path: Path) -> str:
    document = Document(str(path))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@FUZZ
@given(name=_PHRASE, signs=_PHRASE, details=_PHRASE, staff=_PHRASE)
def test_every_valid_plan_renders_documents_holding_the_text(
    name: str, signs: str, details: str, staff: str, templates: Templates
) -> None:
    fields = plan_fields(
        pupil={"legal_name": name},
        emergency={"signs": signs},
        background={"trigger_details": details, "who_needs_to_know": staff},
    )
    try:
        plan = Plan.model_validate(fields)
    except ValidationError:
        assume(False)
        raise
    for typed, kept in (
        (name, plan.pupil.legal_name),
        (signs, plan.emergency.signs),
        (details, plan.background.trigger_details),
    ):
        assert kept == unicodedata.normalize("NFC", typed).strip()
    with tempfile.TemporaryDirectory() as folder:
        documents = render(plan, templates, Path(folder), "fuzz")
        assert {DocumentKind.IHP, DocumentKind.EMERGENCY, DocumentKind.PARENT_LETTER} <= set(
            documents
        )
        texts = {kind: _all_text(path) for kind, path in documents.items()}
    ihp = texts[DocumentKind.IHP]
    for value in (plan.pupil.legal_name, plan.emergency.signs, plan.background.trigger_details):
        assert value in ihp
    assert plan.background.who_needs_to_know in ihp
    assert plan.pupil.legal_name in texts[DocumentKind.PARENT_LETTER] or (
        plan.pupil_name in texts[DocumentKind.PARENT_LETTER]
    )
