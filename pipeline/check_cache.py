"""Checks remembered between builds, so a re-run does not read every workbook again.

Reading and checking a workbook costs a few tenths of a second (openpyxl); a re-run over 200
pupils with nothing changed would spend a minute just re-reading them. `ihp build` keeps each
buildable pupil's checked plan and warnings in `.ihp-checked.json` in the output folder (as
private as the plans beside it), under the SHA-256 of the workbook's bytes. A remembered check is
used only when the workbook's bytes, the school details, the version of ihp and of the form, and
the day are all the same: a warning that depends on the date ("review due") is never stale.
Anything odd about the file (missing, damaged, from another version) just means reading again.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.errors import OutputError
from pipeline.files import sha256_file, write_atomically
from pipeline.model import FORM_VERSION, Plan, School
from pipeline.problems import Problem, Severity
from pipeline.uk import ALREADY_CHECKED

CACHE_FILE = ".ihp-checked.json"


class CheckCache:
    """The checks remembered in an output folder, for one day and one version of ihp."""

    def __init__(self, output: Path, *, today: date, tool_version: str) -> None:
        self.path = output / CACHE_FILE
        self._key = {"tool": tool_version, "form": FORM_VERSION, "today": today.isoformat()}
        self._entries: dict[str, Any] = {}
        self._school: str | None = None
        self._school_entry: Any = None
        #: workbooks checked but not buildable: read again each time (their problems are
        #: reported), but not news
        self._seen: set[str] = set()
        self._hashes: dict[Path, str] = {}
        try:
            remembered = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(remembered, dict) and remembered.get("key") == self._key:
            entries = remembered.get("workbooks")
            self._entries = entries if isinstance(entries, dict) else {}
            school = remembered.get("school_sha256")
            self._school = school if isinstance(school, str) else None
            self._school_entry = remembered.get("school")
            seen = remembered.get("seen")
            self._seen = (
                {digest for digest in seen if isinstance(digest, str)}
                if isinstance(seen, list)
                else set()
            )

    def remembers(self, workbook: Path) -> bool:
        """Whether these exact bytes were checked earlier today (buildable or not)."""
        digest = self.sha256(workbook)
        return digest is not None and (digest in self._entries or digest in self._seen)

    def sha256(self, workbook: Path) -> str | None:
        """The file's SHA-256, computed once per run; None when it cannot be read."""
        if workbook not in self._hashes:
            try:
                self._hashes[workbook] = sha256_file(workbook)
            except OSError:
                return None
        return self._hashes[workbook]

    def recall(self, workbook: Path) -> tuple[Plan, list[Problem]] | None:
        """The plan and warnings remembered for these exact bytes, or None (read it again)."""
        digest = self.sha256(workbook)
        entry = self._entries.get(digest) if digest else None
        if digest is None or not isinstance(entry, dict):
            return None
        try:
            plan = Plan.model_validate_json(entry["plan"], context={ALREADY_CHECKED: True})
            problems = _problems(entry["problems"], workbook)
        except (KeyError, TypeError, ValueError, ValidationError):
            del self._entries[digest]  # read again, and remembered afresh
            return None
        return plan, problems

    def recall_school(self, school_file: Path) -> tuple[School, list[Problem]] | None:
        """The school's details and warnings checked from these exact bytes, or None."""
        entry = self._school_entry
        if not isinstance(entry, dict) or not self.same_school(school_file):
            return None
        try:
            school = School.model_validate_json(entry["school"], context={ALREADY_CHECKED: True})
            return school, _problems(entry["problems"], school_file)
        except (KeyError, TypeError, ValueError, ValidationError):
            self._school_entry = None
            return None

    def same_school(self, school_file: Path | None) -> bool:
        """Whether the remembered plans were checked against these school details."""
        if school_file is None or self._school is None:
            return False
        return self.sha256(school_file) == self._school

    def remember(
        self,
        school_file: Path | None,
        school: tuple[School, list[Problem]] | None,
        pupils: list[tuple[Path, Plan, list[Problem]]],
        others: Sequence[Path] = (),
    ) -> None:
        """Keep exactly these checks (the school's and buildable pupils'), and that `others`
        (workbooks that need fixing) were seen, replacing what was kept before.

        Never stops a build: a folder that cannot take the file only costs the next re-run time.
        """
        school_sha256 = self.sha256(school_file) if school_file else None
        digests = [(self.sha256(workbook), plan, problems) for workbook, plan, problems in pupils]
        seen = {digest for digest in map(self.sha256, others) if digest}
        if (
            school_sha256 == self._school
            and isinstance(self._school_entry, dict) == (school is not None)
            and {digest for digest, _, _ in digests} == set(self._entries)
            and seen == self._seen
        ):
            return  # exactly what is remembered already (a re-run with nothing changed)
        workbooks: dict[str, Any] = {}
        for digest, plan, problems in digests:
            if digest:
                workbooks[digest] = {
                    "plan": plan.model_dump_json(),
                    "problems": [problem.to_dict() for problem in problems],
                }
        remembered = {
            "key": self._key,
            "school_sha256": school_sha256,
            "school": {
                "school": school[0].model_dump_json(),
                "problems": [problem.to_dict() for problem in school[1]],
            }
            if school is not None and school_sha256 is not None
            else None,
            "workbooks": workbooks,
            "seen": sorted(seen),
        }
        with contextlib.suppress(OutputError):
            write_atomically(self.path, json.dumps(remembered, ensure_ascii=False).encode("utf-8"))


def _problems(remembered: list[dict[str, Any]], workbook: Path) -> list[Problem]:
    # The file may have been renamed since: its problems name it as it is now.
    return [
        Problem(**{**problem, "file": workbook.name, "severity": Severity(problem["severity"])})
        for problem in remembered
    ]
