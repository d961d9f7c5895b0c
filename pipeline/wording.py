"""Terminology and fixed phrases, read from `wording.toml` so that wording is data, not code.

England and Wales name the same things differently (pupil/learner, SENCo/ALNCo, DfE/Welsh
Government); templates reach the school's nation's words as `terms.*`.
"""

from __future__ import annotations

import re
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


CHOICE = "choice:"
"""Prefix of the `terms` entries that say how a drop-down choice is printed (`choice:Pupil`)."""


def terms(nation: Nation) -> dict[str, str]:
    """The words documents use for this nation (a fresh copy: callers may add to it).

    Besides the named terms (`pupil`, `senco`, ...) it holds `choice:<value>` for each
    drop-down choice the nation words differently (`choice:Pupil` is `Learner` in Wales).
    """
    words = dict(_wording()["nations"][nation.value])
    for value, printed in _wording().get("choices", {}).get(nation.value, {}).items():
        words[CHOICE + value] = printed
    return words


def reword(text: str, nation: Nation) -> str:
    """Form text (labels, prompts, sheet names) in the nation's words: `pupil` -> `learner`.

    The model is written in England's words; `[form.<nation>]` in `wording.toml` lists the
    whole words and phrases another nation replaces, in order.
    """
    for old, new in _replacements(nation):
        text = old.sub(new, text)
    return text


@cache
def _replacements(nation: Nation) -> tuple[tuple[re.Pattern[str], str], ...]:
    pairs = _wording().get("form", {}).get(nation.value, {}).get("replace", [])
    compiled = []
    for old, new in pairs:
        start = r"\b" if re.match(r"\w", old) else ""
        end = r"\b" if re.search(r"\w$", old) else ""
        compiled.append((re.compile(start + re.escape(old) + end), new.replace("\\", "\\\\")))
    return tuple(compiled)


def phrase(group: str, name: str) -> str:
    """A fixed phrase with `str.format` placeholders, e.g. `phrase("provenance", "agreed")`."""
    return str(_wording()[group][name])


def uk_date(day: date | None) -> str:
    """`3 April 2026`: the way UK letters write dates, whatever the machine's locale."""
    if day is None:
        return ""
    return f"{day.day} {_wording()['months'][day.month - 1]} {day.year}"
