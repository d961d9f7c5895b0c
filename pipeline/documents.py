"""The documents made for each pupil, and where their templates are.

Apart from `pipeline.render` so that a build with nothing to make (which only hashes the
templates) does not import docxtpl, python-docx and Pillow.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from pipeline import resources
from pipeline.errors import TemplateError
from pipeline.model import Nation, Plan


class DocumentKind(Enum):
    """The documents made for each pupil: template file, output suffix, bookmark title."""

    IHP = ("ihp.docx", "-IHP.docx", "Individual Healthcare Plan")
    IDP = ("idp-health.docx", "-IDPHealth.docx", "IDP health and social care section")
    EMERGENCY = ("emergency.docx", "-Emergency.docx", "Emergency sheet")
    PARENT_LETTER = ("parent-letter.docx", "-ParentLetter.docx", "Letter to parents and carers")
    TRAINING_RECORD = ("training-record.docx", "-TrainingRecord.docx", "Staff training record")

    def __init__(self, template: str, suffix: str, bookmark: str) -> None:
        self.template = template
        self.suffix = suffix
        self.bookmark = bookmark

    @property
    def order(self) -> int:
        """Position in the PDF bundle (the IHP first)."""
        return list(DocumentKind).index(self)

    def wanted(self, plan: Plan) -> bool:
        """Whether this pupil gets this document (a training record only with training; the
        IDP health and social care section only in Wales, and only with needs recorded)."""
        if self is DocumentKind.TRAINING_RECORD:
            return bool(plan.training.training)
        if self is DocumentKind.IDP:
            return plan.school.nation is Nation.WALES and bool(plan.idp.needs)
        return True


def template_paths(folder: Path | None = None) -> dict[DocumentKind, Path]:
    """Where each template of a run is, without reading them: a re-run with nothing to build
    only hashes them."""
    custom = folder is not None
    base = resources.templates_dir() if folder is None else folder
    if not base.is_dir():
        raise TemplateError(
            f"the templates folder {base} does not exist",
            "give a folder made by `ihp templates export DIR`",
        )
    return {kind: _template_path(base, kind, custom) for kind in DocumentKind}


def _template_path(base: Path, kind: DocumentKind, custom: bool) -> Path:
    """Where a kind's template is. A school's folder exported before the IDP section existed
    has no idp-health.docx: the default one is used, so English schools need not re-export."""
    path = base / kind.template
    if custom and kind is DocumentKind.IDP and not path.exists():
        return resources.templates_dir() / kind.template
    return path
