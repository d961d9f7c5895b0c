"""The archival bundle: real LibreOffice PDFs joined, then read back with pikepdf and pypdf."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from pypdf import PdfReader

from pipeline.bundle import BundleMetadata, BundlePart, bundle
from pipeline.errors import OutputError
from pipeline.libreoffice import convert, find_soffice

pytestmark = pytest.mark.libreoffice

PUPIL = "Zoë O'Brien"
SCHOOL = "Hillside Primary School"


def make_docx(path: Path, title: str, paragraphs: list[str], headings: int = 1) -> Path:
    document = Document()
    for number in range(headings):
        document.add_heading(f"{title} part {number + 1}" if headings > 1 else title, 1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
        if number + 1 < headings:
            document.add_page_break()
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The four documents of one pupil as PDF/A, converted once for every test here."""
    folder = tmp_path_factory.mktemp("parts")
    documents = [
        make_docx(
            folder / "zoe-IHP.docx", f"Individual Healthcare Plan for {PUPIL}", ["Asthma."], 3
        ),
        make_docx(
            folder / "zoe-Emergency.docx",
            f"Emergency: {PUPIL}",
            ["1. Sit her up.", "2. Give 2 puffs of the blue reliever inhaler."],
        ),
        make_docx(folder / "zoe-ParentLetter.docx", "Dear Mrs O'Brien", ["Please check the plan."]),
        make_docx(folder / "zoe-TrainingRecord.docx", "Staff training", ["Inhaler training."]),
    ]
    result = convert(documents, folder / "pdf", jobs=2, timeout=180, soffice=find_soffice())
    assert result.failed == {}
    return {document.stem.split("-")[1]: result.pdfs[document] for document in documents}


METADATA = BundleMetadata(
    title=f"Individual Healthcare Plan — {PUPIL}",
    author=SCHOOL,
    plan_date=date(2026, 9, 1),
    review_date=date(2027, 9, 1),
    keywords=["Asthma"],
    producer="ihp 0.1.0",
    created=datetime(2026, 9, 2, 10, 30, tzinfo=UTC),
)


@pytest.fixture(scope="module")
def three(parts: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("bundle") / "zoe-bundle.pdf"
    return bundle(
        [
            BundlePart("Individual Healthcare Plan", parts["IHP"], "IHP"),
            BundlePart("Emergency sheet", parts["Emergency"], "Emergency"),
            BundlePart("Parent letter", parts["ParentLetter"], "Letter"),
        ],
        dest,
        METADATA,
    )


def page_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def test_pages_are_the_parts_in_order(three: Path, parts: dict[str, Path]) -> None:
    counts = [page_count(parts[kind]) for kind in ("IHP", "Emergency", "ParentLetter")]
    assert counts[0] == 3
    reader = PdfReader(three)
    assert len(reader.pages) == sum(counts)
    assert PUPIL in reader.pages[0].extract_text()
    assert "Give 2 puffs of the blue reliever inhaler" in reader.pages[3].extract_text()
    assert "Dear Mrs O'Brien" in reader.pages[4].extract_text()


def test_one_top_level_bookmark_per_document(three: Path) -> None:
    reader = PdfReader(three)
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert [item.title for item in top] == [
        "Individual Healthcare Plan",
        "Emergency sheet",
        "Parent letter",
    ]
    assert [reader.get_destination_page_number(item) for item in top] == [0, 3, 4]
    # The IHP's own headings are nested under its bookmark, each on its page.
    nested = reader.outline[1]
    assert isinstance(nested, list)
    assert [reader.get_destination_page_number(item) for item in nested] == [0, 1, 2]
    assert nested[1].title == f"Individual Healthcare Plan for {PUPIL} part 2"


def test_page_labels_per_document(three: Path) -> None:
    assert PdfReader(three).page_labels == [
        "IHP-1", "IHP-2", "IHP-3", "Emergency-1", "Letter-1",
    ]  # fmt: skip


def test_pdf_a_2b_identification_and_metadata(three: Path) -> None:
    with pikepdf.open(three) as pdf:
        xmp = pdf.open_metadata()
        assert xmp["pdfaid:part"] == "2"
        assert xmp["pdfaid:conformance"] == "B"
        assert xmp["dc:title"] == f"Individual Healthcare Plan — {PUPIL}"
        assert xmp["dc:creator"] == [SCHOOL]
        assert "plan date 2026-09-01" in xmp["dc:description"]
        assert "review date 2027-09-01" in xmp["dc:description"]
        assert xmp["pdf:Producer"] == "ihp 0.1.0"
        # The document information dictionary agrees with the XMP, as PDF/A requires.
        info = pdf.docinfo
        assert str(info.Title) == f"Individual Healthcare Plan — {PUPIL}"
        assert str(info.Author) == SCHOOL
        assert str(info.Subject) == xmp["dc:description"]
        assert str(info.Keywords) == xmp["pdf:Keywords"]
        assert str(info.Producer) == "ihp 0.1.0"
        assert str(info.CreationDate).startswith("D:20260902103000")
        assert "/Filter" not in pdf.Root.Metadata, "PDF/A wants the XMP stream uncompressed"
        assert b"<?xpacket begin=" in pdf.Root.Metadata.read_bytes()
        assert "/ID" in pdf.trailer
        assert pdf.check_pdf_syntax() == []
        assert str(pdf.Root.Lang) == "en-GB"
        assert pdf.pdf_version >= "1.6"


def test_author_is_never_a_tool(three: Path) -> None:
    info = PdfReader(three).metadata
    assert info is not None and info.author == SCHOOL
    for tool in ("python-docx", "LibreOffice", "Writer", "pikepdf", "ihp"):
        assert tool not in (info.author or "")


def test_exactly_one_output_intent(three: Path) -> None:
    with pikepdf.open(three) as pdf:
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1
        assert intents[0].S == "/GTS_PDFA1"
        assert "/DestOutputProfile" in intents[0]


def _fonts(resources: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found = list(resources.get("/Font", {}).values())
    for xobject in resources.get("/XObject", {}).values():
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
            found.extend(_fonts(xobject.Resources))
    return found


def test_every_font_is_embedded(three: Path) -> None:
    with pikepdf.open(three) as pdf:
        fonts = [font for page in pdf.pages for font in _fonts(page.Resources)]
        assert fonts
        for font in fonts:
            if font.Subtype == "/Type0":
                font = font.DescendantFonts[0]
            descriptor = font.FontDescriptor
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), (
                f"{font.BaseFont} is not embedded"
            )


def test_tag_trees_are_joined_under_one_root(three: Path) -> None:
    with pikepdf.open(three) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        root = pdf.Root.StructTreeRoot
        assert [str(element.S) for element in root.K] == ["/Document"] * 3
        assert all(element.P.objgen == root.objgen for element in root.K)
        nums = root.ParentTree.Nums
        keys = [int(nums[i]) for i in range(0, len(nums), 2)]
        assert len(keys) == len(set(keys))
        # Each page's marked content points at its own part's tag tree.
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for page in pdf.pages:
            elements = parents[int(page.obj.StructParents)]
            assert all(element.Pg.objgen == page.obj.objgen for element in elements)
        assert int(root.ParentTreeNextKey) > max(keys)


def test_four_documents_when_there_is_a_training_record(
    parts: dict[str, Path], tmp_path: Path
) -> None:
    dest = bundle(
        [
            ("Individual Healthcare Plan", parts["IHP"]),
            ("Emergency sheet", parts["Emergency"]),
            ("Parent letter", parts["ParentLetter"]),
            ("Staff training record", parts["TrainingRecord"]),
        ],
        tmp_path / "four.pdf",
        METADATA,
    )
    reader = PdfReader(dest)
    assert len([item for item in reader.outline if not isinstance(item, list)]) == 4
    assert len(reader.pages) == 6
    assert reader.page_labels[-1] == "Staff training record-1"
    assert "Inhaler training" in reader.pages[5].extract_text()


def test_a_failed_save_keeps_the_previous_bundle(
    parts: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "zoe-bundle.pdf"
    dest.write_bytes(b"previous bundle")

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pikepdf.Pdf, "save", crash)
    with pytest.raises(OutputError, match="No space left on device"):
        bundle([("Emergency sheet", parts["Emergency"])], dest, METADATA)
    assert dest.read_bytes() == b"previous bundle"
    assert [path.name for path in tmp_path.iterdir()] == ["zoe-bundle.pdf"]
