"""The errors `ihp` can end with, each with one documented exit code.

The CLI turns these into a message and an exit code in exactly one place; nothing else exits.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit statuses of every `ihp` command (documented in the README)."""

    OK = 0
    #: something unexpected went wrong inside the tool (a bug: please report it)
    INTERNAL = 1
    #: the command line itself was wrong (click's own usage errors also use 2)
    USAGE = 2
    #: one or more workbooks need fixing; everyone else was still processed
    INVALID_INPUT = 3
    #: LibreOffice is needed for PDFs and could not be found
    LIBREOFFICE_MISSING = 4
    #: LibreOffice failed, hung or crashed converting a document, even after one retry
    CONVERSION_FAILED = 5
    #: the output could not be written (disk full, read-only folder, permissions)
    OUTPUT_FAILED = 6
    #: custom templates use tags the plan does not provide, or cannot be read
    TEMPLATE_INVALID = 7
    #: sending an email failed (SMTP refused or dropped the connection)
    EMAIL_FAILED = 8
    #: the user pressed Ctrl-C; finished outputs are kept, nothing half-written is left
    INTERRUPTED = 130


class IhpError(Exception):
    """Base of every error a user can meet; the message is written for a SENCo."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  What to do: {self.hint}" if self.hint else self.message


class UsageError(IhpError):
    exit_code = ExitCode.USAGE


class InvalidInputError(IhpError):
    """A workbook (or school details file) could not be turned into a plan."""

    exit_code = ExitCode.INVALID_INPUT


class LibreOfficeMissingError(IhpError):
    exit_code = ExitCode.LIBREOFFICE_MISSING


class ConversionError(IhpError):
    exit_code = ExitCode.CONVERSION_FAILED


class OutputError(IhpError):
    exit_code = ExitCode.OUTPUT_FAILED


class TemplateError(IhpError):
    exit_code = ExitCode.TEMPLATE_INVALID


class EmailError(IhpError):
    exit_code = ExitCode.EMAIL_FAILED


class InterruptedByUser(IhpError):
    exit_code = ExitCode.INTERRUPTED
