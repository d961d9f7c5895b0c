"""`ihp archive`: copy each pupil's PDF bundle into the school's archive, by academic year.

Health records are kept for decades, so the archive only ever grows: a plan revised in the same
year is kept beside the earlier one (`-v2`, `-v3`), never over it. Every copy is checked against
the SHA-256 the build recorded, so a bundle changed or damaged since the build is refused, not
archived as if it were the agreed plan.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from pipeline.errors import IhpError, OutputError, UsageError
from pipeline.files import inside, private_dir, sha256_file
from pipeline.manifest import MANIFEST, read_manifest

BUNDLE_KIND = "bundle"
_POSIX = os.name == "posix"


def academic_year(day: date) -> str:
    """The UK academic year a date falls in, from 1 September: 14/09/2026 -> `2026-27`."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


class Action(StrEnum):
    COPIED = "copied"
    IDENTICAL = "already archived"
    REFUSED = "refused"


@dataclass(frozen=True)
class Archived:
    """What happened to one pupil's bundle."""

    slug: str
    action: Action
    #: the copy in the archive (for COPIED and IDENTICAL)
    dest: Path | None = None
    reason: str = ""


def _versions(folder: Path, stem: str) -> list[Path]:
    """`stem.pdf`, `stem-v2.pdf`, `stem-v3.pdf`... as far as they exist, plus the next free."""
    paths = [folder / f"{stem}.pdf"]
    while paths[-1].exists():
        paths.append(folder / f"{stem}-v{len(paths) + 1}.pdf")
    return paths


def _copy_new(source: Path, dest: Path, expected: str) -> None:
    """Copy through a temporary file, verify it, then link it into place: `os.link` fails
    rather than replace a file that appeared meanwhile."""
    descriptor, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as stream, source.open("rb") as original:
            shutil.copyfileobj(original, stream, 1 << 20)
            stream.flush()
            os.fsync(stream.fileno())
        if _POSIX:
            temporary.chmod(0o600)
        if sha256_file(temporary) != expected:
            raise OutputError(
                f"the copy of {source.name} in the archive does not match the build's checksum",
                "check the archive drive (it may be failing or full) and run ihp archive again",
            )
        try:
            os.link(temporary, dest)  # FileExistsError if the name was taken meanwhile
        except OSError as error:  # a file system without hard links (FAT, some shares)
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EOPNOTSUPP):
                raise
            if dest.exists():
                raise FileExistsError(dest) from None
            os.replace(temporary, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _archive_one(output: Path, archive: Path, entry: dict[str, Any]) -> Archived | None:
    slug = str(entry.get("slug", ""))
    bundle = next(
        (
            item
            for item in entry.get("outputs") or []
            if isinstance(item, dict) and item.get("kind") == BUNDLE_KIND
        ),
        None,
    )
    if bundle is None:
        return None
    try:
        plan_date = date.fromisoformat(str(entry.get("plan_date")))
        source = inside(output, Path(str(bundle["file"])))
    except (ValueError, KeyError, IhpError):
        return Archived(slug, Action.REFUSED, reason=f"{MANIFEST} does not say its plan date")
    expected = str(bundle.get("sha256", ""))
    if not source.is_file():
        return Archived(slug, Action.REFUSED, reason=f"{source.name} is not in {output}")
    if sha256_file(source) != expected:
        return Archived(
            slug,
            Action.REFUSED,
            reason=f"{source.name} has changed since it was built (its SHA-256 does not match "
            f"{MANIFEST}); run ihp build --force to remake it, then archive again",
        )
    folder = private_dir(archive / academic_year(plan_date))
    stem = f"{slug}-{plan_date.isoformat()}-bundle"
    while True:
        *older, free = _versions(folder, stem)
        same = next((path for path in older if sha256_file(path) == expected), None)
        if same is not None:
            return Archived(slug, Action.IDENTICAL, dest=same)
        try:
            _copy_new(source, free, expected)
        except FileExistsError:
            continue  # another copy took that name meanwhile: look again
        except OSError as error:
            raise OutputError(
                f"could not write {free}: {error.strerror or error}",
                "check there is free space on the archive drive and that you may write to it",
            ) from error
        return Archived(slug, Action.COPIED, dest=free)


def archive_bundles(output: Path, archive: Path) -> list[Archived]:
    """Copy every PDF bundle listed in `output`'s manifest into `archive/<academic year>/`
    as `<slug>-<plan date>-bundle.pdf`; never over an older version, each copy verified."""
    manifest = read_manifest(output)
    if manifest is None:
        raise UsageError(
            f"there is no build in {output} (no readable {MANIFEST})",
            "give the output folder ihp build wrote to (run ihp build first)",
        )
    private_dir(archive)
    results = []
    for entry in manifest["pupils"]:
        if isinstance(entry, dict):
            done = _archive_one(output, archive, entry)
            if done is not None:
                results.append(done)
    return results
