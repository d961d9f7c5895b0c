"""File names from pupil names, and writes that never leave a truncated or readable-by-all file."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import files
from pipeline.errors import OutputError
from pipeline.files import (
    SLUG_LIMIT,
    atomic_path,
    inside,
    move_into_place,
    private_dir,
    pupil_slug,
    sha256_file,
    slugify,
    write_atomically,
)

POSIX = os.name == "posix"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Zoë O'Brien", "zoe-obrien"),
        ("Zoë O’Brien & <Sons>", "zoe-obrien-sons"),
        ("  Jo   SMITH  ", "jo-smith"),
        ("Łukasz Straße", "lukasz-strasse"),
        ("Ærin Øster-Dæhli", "aerin-oster-daehli"),
        ("José-María Núñez", "jose-maria-nunez"),
        ("../../etc/passwd", "etc-passwd"),
        ('a/b\\c:d*e?f"g<h>i|j', "a-b-c-d-e-f-g-h-i-j"),
        ("..", None),
        ("CON", "con-pupil"),
        ("nul", "nul-pupil"),
        ("Com1", "com1-pupil"),
        ("LPT9 Jones", "lpt9-jones-pupil"),
        ("Connor", "connor"),
        ("Ｊｏ Ｓｍｉｔｈ", "jo-smith"),
    ],
)
def test_slugify(name: str, slug: str | None) -> None:
    if slug is None:
        assert slugify(name).startswith("pupil-")
    else:
        assert slugify(name) == slug


def test_names_without_latin_letters_get_distinct_slugs() -> None:
    first, second = slugify("محمد"), slugify("李小龍")
    assert first.startswith("pupil-") and second.startswith("pupil-")
    assert first != second
    assert slugify("محمد") == first, "the same name must always give the same slug"


def test_long_names_are_cut_without_a_trailing_hyphen() -> None:
    slug = slugify("Bartholomew " * 20)
    assert len(slug) <= SLUG_LIMIT
    assert not slug.endswith("-")


@given(st.text())
def test_any_name_gives_a_safe_file_name(name: str) -> None:
    slug = slugify(name)
    assert slug
    assert len(slug) <= SLUG_LIMIT
    assert slug.isascii()
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert ".." not in slug and "/" not in slug and "\\" not in slug
    assert not slug.startswith("-") and not slug.endswith("-")
    # A device name alone is refused; `con-pupil` is an ordinary file name, even on Windows.
    assert slug not in {"con", "prn", "aux", "nul", "com1", "lpt1"}


def _plan(legal_name: str, born: date) -> Any:
    # pupil_slug reads only the pupil's legal name and date of birth.
    return SimpleNamespace(pupil=SimpleNamespace(legal_name=legal_name, date_of_birth=born))


def test_pupil_slug_is_name_then_date_of_birth() -> None:
    assert pupil_slug(_plan("Zoë O'Brien", date(2015, 4, 3))) == "zoe-obrien-2015-04-03"


def test_pupil_slug_tells_apart_namesakes_and_stays_short() -> None:
    one = pupil_slug(_plan("Sam Patel", date(2014, 1, 2)))
    other = pupil_slug(_plan("Sam Patel", date(2016, 5, 6)))
    assert one != other
    long = pupil_slug(_plan("Maximilian " * 10, date(2014, 1, 2)))
    assert len(long) <= SLUG_LIMIT and long.endswith("-2014-01-02")


def test_write_atomically_writes_a_private_file(tmp_path: Path) -> None:
    dest = write_atomically(tmp_path / "manifest.json", b"{}")
    assert dest.read_bytes() == b"{}"
    if POSIX:
        assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["manifest.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "report.html"
    dest.write_bytes(b"old report")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full_disk)
    with pytest.raises(OutputError, match="No space left on device") as raised:
        write_atomically(dest, b"new report")
    assert "free disk space" in raised.value.hint
    assert dest.read_bytes() == b"old report"
    assert [path.name for path in tmp_path.iterdir()] == ["report.html"]


def test_atomic_path_renames_only_on_success(tmp_path: Path) -> None:
    dest = tmp_path / "bundle.pdf"
    with atomic_path(dest) as temporary:
        assert temporary.parent == tmp_path and temporary != dest
        temporary.write_bytes(b"%PDF-1.6 first")
    assert dest.read_bytes() == b"%PDF-1.6 first"
    with pytest.raises(RuntimeError), atomic_path(dest) as temporary:
        temporary.write_bytes(b"%PDF-1.6 half")
        raise RuntimeError("crash while writing")
    assert dest.read_bytes() == b"%PDF-1.6 first"
    assert [path.name for path in tmp_path.iterdir()] == ["bundle.pdf"]


def test_move_into_place_replaces_and_makes_private(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    finished = work / "jo-IHP.docx"
    finished.write_bytes(b"new")
    finished.chmod(0o644)
    dest = tmp_path / "jo-IHP.docx"
    dest.write_bytes(b"old")
    move_into_place(finished, dest)
    assert dest.read_bytes() == b"new" and not finished.exists()
    if POSIX:
        assert stat.S_IMODE(dest.stat().st_mode) == 0o600


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_private_dir_is_owner_only_and_keeps_existing_folders(tmp_path: Path) -> None:
    made = private_dir(tmp_path / "output" / "jo-smith")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "output").stat().st_mode) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    assert stat.S_IMODE(private_dir(shared).stat().st_mode) == 0o755


def test_private_dir_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "output").write_text("not a folder")
    with pytest.raises(OutputError, match="a file of that name is in the way"):
        private_dir(tmp_path / "output")


def test_inside_refuses_paths_that_leave_the_output_folder(tmp_path: Path) -> None:
    root = tmp_path / "output"
    root.mkdir()
    assert inside(root, Path("jo/jo-IHP.docx")) == (root / "jo" / "jo-IHP.docx").resolve()
    with pytest.raises(OutputError, match="outside the output folder"):
        inside(root, Path("../elsewhere.pdf"))
    with pytest.raises(OutputError):
        inside(root, tmp_path / "elsewhere.pdf")
    (root / "escape").symlink_to(tmp_path)
    with pytest.raises(OutputError):
        inside(root, Path("escape/x.pdf"))


def test_sha256_file(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"abc")
    assert sha256_file(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert cast(str, sha256_file(path)) == sha256_file(path)


# Every name Windows reserves for a device, whatever follows it (`nul.txt` is still NUL).
_DEVICES = [
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
    *(f"COM{n}" for n in "123456789¹²³"), *(f"LPT{n}" for n in "123456789¹²³"),
]  # fmt: skip
_DEVICE_STEMS = {device.casefold() for device in _DEVICES}

_hostile_names = st.one_of(
    st.text(),
    st.builds(
        lambda device, tail, case: (device.lower() if case else device) + tail,
        st.sampled_from(_DEVICES),
        st.sampled_from(["", ".txt", " ", ".", "..", "-1", " Smith", ".tar.gz", "\u0301"]),
        st.booleans(),
    ),
    st.lists(
        st.sampled_from(["..", ".", "/", "\\", "~", "etc", "passwd", ":", "$"]), max_size=8
    ).map("".join),
    st.text(alphabet=st.characters(categories=["Mn", "Cf", "Zs", "Cc"]), max_size=20),
    st.text(min_size=SLUG_LIMIT, max_size=400),
)


def _windows_safe(stem: str) -> bool:
    """A file name Windows accepts: no device name before the first dot, no trailing dot or
    space, none of its forbidden characters."""
    return (
        stem.split(".")[0].casefold() not in _DEVICE_STEMS
        and not stem.endswith((".", " "))
        and not set(stem) & set('<>:"/\\|?*')
    )


@given(_hostile_names, st.dates())
def test_a_pupils_files_are_safe_names_inside_the_output_folder(name: str, born: date) -> None:
    """The one way a name becomes a path: never empty, `..`, a separator, a device name or
    too long, and the folder and files it names stay inside the output folder."""
    slug = pupil_slug(_plan(name, born))
    assert 0 < len(slug) <= SLUG_LIMIT
    assert slug not in (".", "..") and ".." not in slug
    assert "/" not in slug and "\\" not in slug and os.sep not in slug
    assert _windows_safe(slug)
    for suffix in ("-IHP.docx", "-Emergency.docx", "-ParentLetter.docx", "-bundle.pdf"):
        relative = Path(slug) / f"{slug}{suffix}"
        assert len(str(relative)) <= 2 * SLUG_LIMIT + len("-ParentLetter.docx") + 1
        root = Path("/srv/ihp-output")
        resolved = (root / relative).resolve()
        assert resolved.parent.parent == root.resolve()
    assert pupil_slug(_plan(name, born)) == slug, "the same pupil always gets the same slug"
