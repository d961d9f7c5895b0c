"""What a build did, pupil by pupil, and `manifest.json`: its machine-readable record.

The manifest lists every input and output with its SHA-256 and each pupil's status; the next
build reads it to skip pupils whose inputs have not changed, and `ihp archive` and the email
drafts read it to find the bundles. Its shape is a contract: change it only additively.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pipeline.errors import ExitCode
from pipeline.files import write_atomically
from pipeline.model import Nation
from pipeline.wording import terms

MANIFEST = "manifest.json"


class Status(StrEnum):
    BUILT = "built"
    UNCHANGED = "unchanged"
    INVALID = "invalid"
    FAILED = "failed"


@dataclass(frozen=True)
class Output:
    """One file the build made: its kind, its path relative to the output folder, its hash."""

    #: "IHP", "Emergency", "ParentLetter", "TrainingRecord" or "bundle"
    kind: str
    file: str
    sha256: str


@dataclass
class PupilOutcome:
    """What happened to one workbook."""

    slug: str
    workbook: Path
    workbook_sha256: str
    status: Status
    reasons: list[str] = field(default_factory=list)
    #: the pupil's name as the documents show it (for the report; None when unreadable)
    name: str | None = None
    reference: str | None = None
    input_hash: str | None = None
    plan_date: date | None = None
    review_date: date | None = None
    outputs: list[Output] = field(default_factory=list)
    #: for an invalid workbook its errors; for a built one the warnings that did not block
    problems: list[Any] = field(default_factory=list)
    #: why a failed pupil failed, as an exit code (conversion, output, template...)
    exit_code: ExitCode | None = None
    #: emails recorded by `ihp` email commands; kept while the pupil's files are unchanged
    emails: list[Any] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "reference": self.reference,
            "workbook": {"file": self.workbook.name, "sha256": self.workbook_sha256},
            "status": str(self.status),
            "reasons": list(self.reasons),
            "input_hash": self.input_hash,
            "plan_date": self.plan_date.isoformat() if self.plan_date else None,
            "review_date": self.review_date.isoformat() if self.review_date else None,
            "outputs": [
                {"kind": output.kind, "file": output.file, "sha256": output.sha256}
                for output in self.outputs
            ],
            "emails": list(self.emails),
        }


# Worst first: the exit code of a build is that of its worst outcome.
_SEVERITY = (
    ExitCode.CONVERSION_FAILED,
    ExitCode.OUTPUT_FAILED,
    ExitCode.TEMPLATE_INVALID,
    ExitCode.INTERNAL,
    ExitCode.INVALID_INPUT,
)


@dataclass
class BuildReport:
    """Everything a build did; `manifest.json` and the human report are written from it."""

    intake: Path
    output: Path
    tool_version: str
    form_version: str
    built_at: datetime
    templates: dict[str, str]
    school_file: Path | None
    school_sha256: str | None
    pupils: list[PupilOutcome] = field(default_factory=list)
    school_problems: list[Any] = field(default_factory=list)
    #: pupils of earlier builds not in this one, whose outputs are still in the folder
    kept: list[dict[str, Any]] = field(default_factory=list)
    pdf: bool = True
    seconds: float = 0.0
    #: seconds spent per stage: check, render, convert, bundle (for the benchmark)
    timings: dict[str, float] = field(default_factory=dict)
    #: the school's nation: the report says learner in Wales
    nation: Nation = Nation.ENGLAND

    @property
    def counts(self) -> Counter[Status]:
        return Counter(pupil.status for pupil in self.pupils)

    @property
    def exit_code(self) -> ExitCode:
        codes = {pupil.exit_code for pupil in self.pupils if pupil.status is Status.FAILED}
        if any(pupil.status is Status.INVALID for pupil in self.pupils) or self.school_problems:
            codes.add(ExitCode.INVALID_INPUT)
        for code in _SEVERITY:
            if code in codes:
                return code
        return ExitCode.INTERNAL if None in codes else ExitCode.OK

    @property
    def report_file(self) -> Path:
        return self.output / "report.html"

    def summary(self) -> str:
        """One line for the end of a run: "27 built, 3 unchanged, 2 need fixing"."""
        counts = self.counts
        if not self.pupils:
            return f"No {terms(self.nation)['pupil']} workbooks found in {self.intake}"
        parts = [f"{counts[Status.BUILT]} built", f"{counts[Status.UNCHANGED]} unchanged"]
        if counts[Status.INVALID]:
            parts.append(
                f"{counts[Status.INVALID]} need{'s' if counts[Status.INVALID] == 1 else ''} fixing"
            )
        if counts[Status.FAILED]:
            parts.append(f"{counts[Status.FAILED]} failed")
        if self.school_problems:
            parts.append("the school details need fixing")
        line = ", ".join(parts)
        if counts[Status.UNCHANGED] and not (counts[Status.BUILT] or counts[Status.FAILED]):
            line = f"Nothing to rebuild: {line}"
        return line

    def to_json(self) -> dict[str, Any]:
        return {
            "tool": {"name": "ihp", "version": self.tool_version},
            "form_version": self.form_version,
            "built_at": self.built_at.isoformat(timespec="seconds"),
            "templates": dict(sorted(self.templates.items())),
            "school": {
                "file": self.school_file.name if self.school_file else None,
                "sha256": self.school_sha256,
            },
            "pupils": [pupil.to_json() for pupil in self.pupils] + self.kept,
        }


def write_manifest(report: BuildReport, previous: dict[str, Any] | None = None) -> Path:
    """Write `manifest.json` atomically into the output folder.

    When it would say exactly what `previous` says (a re-run with nothing changed), the file is
    left alone: a no-op build rewrites nothing but its report.
    """
    manifest = report.to_json()
    path = report.output / MANIFEST
    if previous is not None and _same_files(previous, manifest):
        return path
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    return write_atomically(path, text.encode("utf-8"))


def _same_files(previous: dict[str, Any], manifest: dict[str, Any]) -> bool:
    """Whether two manifests say the same, apart from when they were made.

    "unchanged" counts as "built": the files are the ones that earlier build made.
    """

    def essence(entry: dict[str, Any]) -> dict[str, Any]:
        pupils = [
            {
                **pupil,
                "status": Status.BUILT
                if pupil.get("status") == Status.UNCHANGED
                else pupil.get("status"),
            }
            for pupil in entry.get("pupils", [])
            if isinstance(pupil, dict)
        ]
        return {**entry, "built_at": None, "pupils": pupils}

    return essence(previous) == essence(manifest)


def read_manifest(output: Path) -> dict[str, Any] | None:
    """The previous build's manifest, or None when there is none or it cannot be read.

    A damaged manifest only costs a full rebuild, so it is not an error.
    """
    try:
        manifest = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("pupils"), list):
        return None
    return manifest


def previous_pupils(manifest: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The previous manifest's pupil entries by slug (only well-formed ones)."""
    if manifest is None:
        return {}
    return {
        entry["slug"]: entry
        for entry in manifest["pupils"]
        if isinstance(entry, dict)
        and isinstance(entry.get("slug"), str)
        and isinstance(entry.get("outputs"), list)
    }
