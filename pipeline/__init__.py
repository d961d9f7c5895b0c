"""ihp: Individual Healthcare Plans from a school's intake workbooks.

The public API mirrors the pipeline's stages; everything else is private.
"""

from pipeline.errors import ExitCode, IhpError
from pipeline.model import FORM_VERSION, Plan, School

__all__ = ["FORM_VERSION", "ExitCode", "IhpError", "Plan", "School"]
