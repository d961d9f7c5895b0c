"""Where the default form and Word templates live, in a checkout or an installed copy."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _resource_dir(name: str) -> Path:
    # A wheel carries them inside the package (pyproject force-include); a checkout or an
    # editable install has them at the top level beside the package.
    installed = _PACKAGE / "_resources" / name
    return installed if installed.is_dir() else _CHECKOUT / name


def forms_dir() -> Path:
    return _resource_dir("forms")


def templates_dir() -> Path:
    return _resource_dir("word_templates")
