"""Terminology and fixed phrases, read from `wording.toml` so that wording is data, not code.

England and Wales name the same things differently (pupil/learner, SENCo/ALNCo, DfE/Welsh
Government); templates reach the school's nation's words as `terms.*`.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.model import Nation

WORDING_FILE = Path(__file__).with_name("wording.toml")


@cache
def _wording() -> dict[str, Any]:
    with WORDING_FILE.open("rb") as stream:
        wording = tomllib.load(stream)
    missing = [nation.value for nation in Nation if nation.value not in wording["nations"]]
    if missing:
        raise ValueError(f"{WORDING_FILE.name} has no terms for {', '.join(missing)}")
    return wording


def terms(nation: Nation) -> dict[str, str]:
    """The words documents use for this nation (a fresh copy: callers may add to it)."""
    return dict(_wording()["nations"][nation.value])


def phrase(group: str, name: str) -> str:
    """A fixed phrase with `str.format` placeholders, e.g. `phrase("provenance", "agreed")`."""
    return str(_wording()[group][name])


def uk_date(day: date | None) -> str:
    """`3 April 2026`: the way UK letters write dates, whatever the machine's locale."""
    if day is None:
        return ""
    return f"{day.day} {_wording()['months'][day.month - 1]} {day.year}"
