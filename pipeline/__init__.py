"""ihp: Individual Healthcare Plans from a school's intake workbooks.

The public API mirrors the pipeline's stages; everything else is private.
"""

import logging

from pipeline.errors import ExitCode, IhpError
from pipeline.model import FORM_VERSION, Plan, School

# Nothing is logged anywhere unless the CLI's --log asks (not even to stderr by Python's
# last-resort handler): pupils' details stay out of log files by default.
logging.getLogger("pipeline").addHandler(logging.NullHandler())

__all__ = ["FORM_VERSION", "ExitCode", "IhpError", "Plan", "School"]
