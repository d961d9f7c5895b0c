"""File names and safe writes for outputs that hold children's health data.

Every pupil name becomes a file name only through `slugify`, so no name can climb out of the
output folder, collide with a Windows device name or overflow a path. Every output is written
through a temporary file in the same folder and renamed into place, so a crash or a kill at any
moment leaves the old file or the new one, never a truncated one. On POSIX, folders are 0700 and
files 0600: only their owner can read them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import OutputError

if TYPE_CHECKING:
    from pipeline.model import Plan

SLUG_LIMIT = 60
"""Longest slug: leaves room for a folder, a suffix like `-ParentLetter.docx` and Windows' 260."""

_POSIX = os.name == "posix"

# Letters NFKD cannot split into a base letter and an accent.
_FOLDS = str.maketrans(
    {
        "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o",
        "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "þ": "th", "Þ": "th",
        "ı": "i", "ħ": "h", "Ħ": "h", "ŋ": "n", "Ŋ": "n",
    }
)  # fmt: skip

# Apostrophes join a name (O'Brien -> obrien); every other non-letter separates words.
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")

_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"com{n}" for n in "123456789¹²³"}
    | {f"lpt{n}" for n in "123456789¹²³"}
)


def slugify(name: str) -> str:
    """The one way a pupil's name becomes part of a file name: `Zoë O'Brien` -> `zoe-obrien`.

    ASCII letters, digits and single hyphens only, at most `SLUG_LIMIT` characters, never empty,
    never `.`/`..`, never a path separator, never a Windows device name. A name with no Latin
    letters at all (e.g. written in Arabic or Chinese script) becomes `pupil-` and a short hash of
    the name, so two such pupils still get different files.
    """
    text = unicodedata.normalize("NFKC", name).translate(_FOLDS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = _APOSTROPHES.sub("", text.lower())
    slug = _NOT_SLUG.sub("-", text.encode("ascii", "ignore").decode("ascii")).strip("-")
    if not slug:
        digest = hashlib.sha256(unicodedata.normalize("NFC", name).encode("utf-8")).hexdigest()
        slug = f"pupil-{digest[:8]}"
    slug = slug[:SLUG_LIMIT].rstrip("-")
    if slug.split("-")[0] in _WINDOWS_RESERVED:
        slug = f"{slug[: SLUG_LIMIT - len('-pupil')]}-pupil"
    return slug


def pupil_slug(plan: Plan) -> str:
    """The pupil's folder and file-name stem: legal name, date of birth (`jo-smith-2015-04-03`).

    The legal name is stable where a preferred name may change; the date of birth tells apart two
    pupils with the same name, and two workbooks with the same name *and* date of birth are the
    same pupil (the build refuses to pick one). Deterministic: the same plan always gives the same
    slug, so re-runs find their earlier outputs.
    """
    born = plan.pupil.date_of_birth.isoformat()
    name = slugify(plan.pupil.legal_name)[: SLUG_LIMIT - len(born) - 1].rstrip("-")
    return f"{name}-{born}"


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in blocks so a large PDF is never held whole in memory."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inside(root: Path, path: Path) -> Path:
    """`path`, resolved, after checking it stays inside `root`: no `..` or symlink escapes."""
    resolved_root = root.resolve()
    resolved = (resolved_root / path).resolve() if not path.is_absolute() else path.resolve()
    if resolved != resolved_root and resolved_root not in resolved.parents:
        raise OutputError(
            f"refusing to write {path}: it is outside the output folder {root}",
            "this is a bug in ihp; please report it",
        )
    return resolved


def private_dir(path: Path) -> Path:
    """Create a folder, and any missing parents, readable only by their owner on POSIX.

    A folder that already exists keeps its permissions: the school may have chosen them.
    """
    try:
        if path.is_dir():
            return path
        missing = [path, *(parent for parent in path.parents if not parent.exists())]
        for folder in reversed(missing):
            folder.mkdir(mode=0o700, exist_ok=folder is not path)
            if _POSIX:
                folder.chmod(0o700)
    except FileExistsError:
        if not path.is_dir():
            raise OutputError(
                f"cannot create the folder {path}: a file of that name is in the way",
                "move or rename that file, or choose another output folder with -o",
            ) from None
    except OSError as error:
        raise _output_error(path, error) from error
    return path


def _fsync_dir(folder: Path) -> None:
    # The rename itself is only durable once the folder's entry is on disk (POSIX only).
    if not _POSIX:
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def move_into_place(temporary: Path, dest: Path) -> Path:
    """Rename a finished file over `dest` atomically, after flushing it to disk; 0600 on POSIX.

    `temporary` must be on the same file system as `dest` (the build's work folder lives inside
    the output folder for exactly this reason).
    """
    try:
        with temporary.open("rb+") as stream:
            os.fsync(stream.fileno())
        if _POSIX:
            temporary.chmod(0o600)
        os.replace(temporary, dest)
        _fsync_dir(dest.parent)
    except OSError as error:
        raise _output_error(dest, error) from error
    return dest


def write_atomically(dest: Path, content: bytes) -> Path:
    """Write `content` to `dest` through a temporary file in the same folder, then rename."""
    try:
        descriptor, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    except OSError as error:
        raise _output_error(dest, error) from error
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
        return move_into_place(temporary, dest)
    except OSError as error:
        raise _output_error(dest, error) from error
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


@contextlib.contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """A temporary path beside `dest` to write to (e.g. by a library that wants a file name).

    On a clean exit the file is renamed over `dest`; on any error it is deleted.
    """
    try:
        descriptor, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    except OSError as error:
        raise _output_error(dest, error) from error
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        move_into_place(temporary, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _output_error(path: Path, error: OSError) -> OutputError:
    reason = error.strerror or str(error)
    return OutputError(
        f"could not write {path}: {reason}",
        "check there is free disk space and that you may write to the output folder, "
        "or choose another one with -o",
    )
