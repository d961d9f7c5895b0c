"""Rendering from each template's package kept once: every document is the package python-docx
would have saved, with its pupil's parts in it, without opening or saving the template again."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.opc.package import OpcPackage
from docx.parts.image import ImagePart
from lxml import etree
from PIL import Image
from plans import longest_plan, make_plan, priya_like

from pipeline import render as render_module
from pipeline import resources
from pipeline.render import DocumentKind, load_templates, plan_context, render

_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_IMAGE = _R + "/image"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
#: what differs between two renderings of one plan: when each was made
_DATES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


@pytest.fixture(scope="module")
def templates() -> Any:
    return load_templates()


def _members(path: Path | io.BytesIO) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def _canonical(xml: bytes) -> bytes:
    """The XML compared as python-docx reads it: without blank text between elements (a
    picture's XML is indented as python-docx writes it for docxtpl)."""
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(xml, parser), method="c14n")


def _photo(path: Path) -> Path:
    Image.new("RGB", (300, 400), (30, 90, 160)).save(path)
    return path


def test_rendering_a_plan_twice_gives_the_same_documents(templates: Any, tmp_path: Path) -> None:
    photo = _photo(tmp_path / "photo.png")
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = render(make_plan(), templates, tmp_path / "first", "mira", photo=photo)
    second = render(make_plan(), templates, tmp_path / "second", "mira", photo=photo)
    assert first.keys() == second.keys()
    for kind, path in first.items():
        one, two = _members(path), _members(second[kind])
        assert one.keys() == two.keys(), kind
        for name, content in one.items():
            if name == "docProps/core.xml":
                content, other = _DATES.sub(b"", content), _DATES.sub(b"", two[name])
            else:
                other = two[name]
            assert content == other, f"{kind.name}: {name}"


@pytest.mark.parametrize("plan", [make_plan(), longest_plan()], ids=["rich", "longest"])
def test_each_document_is_the_package_python_docx_would_save(
    templates: Any, tmp_path: Path, plan: Any
) -> None:
    """Opened and saved again by python-docx, nothing changes: every member is reachable from
    the package's relationships, has its content type, and is serialised as python-docx does."""
    photo = _photo(tmp_path / "photo.png")
    for kind, path in render(plan, templates, tmp_path, "mira", photo=photo).items():
        again = io.BytesIO()
        Document(str(path)).save(again)
        ours, saved = _members(path), _members(again)
        assert ours.keys() == saved.keys(), kind
        for name, content in ours.items():
            if name.endswith((".xml", ".rels")):
                assert _canonical(content) == _canonical(saved[name]), f"{kind.name}: {name}"
            else:
                assert content == saved[name], f"{kind.name}: {name}"


def test_a_photo_printed_in_a_header_and_twice_in_the_body_is_related_in_each(
    tmp_path: Path,
) -> None:
    """A school's own sheet may print the photo anywhere: one image, related from each part
    that prints it, every picture pointing at it."""
    folder = tmp_path / "custom"
    shutil.copytree(resources.templates_dir(), folder)
    sheet = folder / DocumentKind.EMERGENCY.template
    members = _members(sheet)
    members["word/header1.xml"] = members["word/header1.xml"].replace(
        b"{{ pupil.short_name }}", b"{{ pupil.short_name }}{{ photo }}"
    )
    members["word/document.xml"] = members["word/document.xml"].replace(
        b"{% if photo %}{{ photo }}", b"{% if photo %}{{ photo }} {{ photo }}"
    )
    with zipfile.ZipFile(sheet, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in members.items():
            package.writestr(name, content)

    photo = _photo(tmp_path / "photo.png")
    path = render(make_plan(), load_templates(folder), tmp_path, "mira", photo=photo)[
        DocumentKind.EMERGENCY
    ]
    written = _members(path)
    assert [name for name in written if name.startswith("word/media/")] == ["word/media/image1.jpg"]
    for part, pictures in (("word/header1.xml", 1), ("word/document.xml", 2)):
        rels = etree.fromstring(written[part.replace("word/", "word/_rels/") + ".rels"])
        images = {r.get("Id"): r.get("Target") for r in rels.iter(_RELS) if r.get("Type") == _IMAGE}
        embeds = etree.fromstring(written[part]).xpath("//@r:embed", namespaces={"r": _R})
        assert len(embeds) == pictures
        assert {images[rid] for rid in embeds} == {"media/image1.jpg"}
    document = Document(str(path))
    parts = document.part.package.iter_parts()
    assert [str(p.partname) for p in parts if isinstance(p, ImagePart)] == [
        "/word/media/image1.jpg"
    ]


def test_rendering_does_not_open_the_template_again(
    templates: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The template's package is read once: opening it with python-docx for every document was
    most of the time of rendering."""
    plan = priya_like("Anaphylaxis or severe allergy", "Asthma")
    photo = _photo(tmp_path / "photo.png")
    render(plan, templates, tmp_path, "first", photo=photo)  # sizes the sheet's styles once

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a template was opened while rendering")

    monkeypatch.setattr(OpcPackage, "open", refuse)
    monkeypatch.setattr(render_module, "set_type_size", refuse)
    assert len(render(plan, templates, tmp_path, "again", photo=photo)) >= 4


def test_the_sheet_styles_follow_each_pupils_type_size(templates: Any, tmp_path: Path) -> None:
    """Sheets at different sizes in one run each get their own styles, not the last size made."""
    sized = {}
    for index, plan in enumerate((make_plan(), longest_plan(), make_plan())):
        size = plan_context(plan)["sheet"]["type_size"]
        path = render(plan, templates, tmp_path, f"pupil-{index}")[DocumentKind.EMERGENCY]
        sized[index] = (size, Document(str(path)).styles["Sheet Body"].font.size.pt)
    assert sized[0][0] != sized[1][0]
    assert all(size == printed for size, printed in sized.values())
