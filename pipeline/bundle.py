"""One archival PDF per pupil: the IHP, the emergency sheet and the parent letter, in that order.

LibreOffice already writes each part as PDF/A-2b (fonts embedded, an sRGB output intent, tagged).
Joining them must keep that true: the pages are copied with their resources; the parts' tag
trees are joined under one structure root (so the bundle stays navigable by screen readers);
there is exactly one output intent; the XMP metadata declares PDF/A-2b and agrees with the
document information dictionary, which names the school as author, never a tool. Each part gets
a top-level bookmark (its headings nested below) and its own page labels ("IHP-1", "IHP-2",
"Emergency-1", ...). The file is written to a temporary name and renamed into place.

pikepdf (qpdf) rather than pypdf: it copies structure trees and outlines between files reliably
and streams page content from the parts at write time instead of holding it all in memory.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, String

from pipeline.errors import OutputError
from pipeline.files import atomic_path


class BundlePart(NamedTuple):
    """One document of a bundle: its bookmark title, its PDF, and its page-label prefix."""

    title: str
    pdf: Path
    label: str = ""


@dataclass(frozen=True)
class BundleMetadata:
    """What the bundle says about itself (document information and XMP)."""

    #: "Individual Healthcare Plan — <pupil>"
    title: str
    #: the school: the author of the plan
    author: str
    plan_date: date | None = None
    review_date: date | None = None
    #: extra words to find the bundle by (condition names, the school's reference)
    keywords: list[str] = field(default_factory=list)
    language: str = "en-GB"
    #: who made the file: goes to Producer, never to Author
    producer: str = "ihp"
    created: datetime | None = None

    @property
    def subject(self) -> str:
        """The plan and review dates in words, for the description (XMP dc:description)."""
        parts = ["Individual Healthcare Plan"]
        if self.plan_date:
            parts.append(f"plan date {self.plan_date.isoformat()}")
        if self.review_date:
            parts.append(f"review date {self.review_date.isoformat()}")
        return "; ".join(parts)


def bundle(
    parts: Sequence[BundlePart | tuple[str, Path]], dest: Path, metadata: BundleMetadata
) -> Path:
    """Join the parts' PDFs, in order, into one PDF/A-2b file at `dest`; return `dest`."""
    if not parts:
        raise ValueError("a bundle needs at least one document")
    with contextlib.ExitStack() as stack:
        out = pikepdf.new()
        # The parts stay open until the bundle is saved: qpdf copies their page content then.
        sources = [
            (BundlePart(*part), stack.enter_context(pikepdf.open(BundlePart(*part).pdf)))
            for part in parts
        ]
        starts = _copy_pages(out, [source for _, source in sources])
        _join_structure(out, [source for _, source in sources], starts)
        _copy_output_intent(out, sources[0][1])
        _write_outline(out, sources, starts)
        _write_page_labels(out, [part for part, _ in sources], starts)
        out.Root.Lang = String(metadata.language)
        out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        out.Root.PageMode = Name.UseOutlines
        _write_metadata(out, metadata)
        version = max(source.pdf_version for _, source in sources)
        try:
            with atomic_path(dest) as temporary:
                out.save(temporary, min_version=version, fix_metadata_version=True)
        except OSError as error:
            raise OutputError(
                f"could not write {dest}: {error.strerror or error}",
                "check there is free disk space and that you may write to the output folder",
            ) from error
    return dest


def _copy_pages(out: pikepdf.Pdf, sources: list[pikepdf.Pdf]) -> list[int]:
    """Append every part's pages; return the index of each part's first page."""
    starts = []
    for source in sources:
        starts.append(len(out.pages))
        out.pages.extend(source.pages)
    return starts


def _number_tree(node: pikepdf.Object) -> Iterator[tuple[int, pikepdf.Object]]:
    """The (key, value) pairs of a PDF number tree, leaves and kids alike."""
    nums = node.get("/Nums")
    if nums is not None:
        for index in range(0, len(nums) - 1, 2):
            yield int(nums[index]), nums[index + 1]
    for kid in node.get("/Kids", []):
        yield from _number_tree(kid)


def _join_structure(out: pikepdf.Pdf, sources: list[pikepdf.Pdf], starts: list[int]) -> None:
    """Put each part's tag tree under one StructTreeRoot, renumbering the parent tree.

    Each part numbers its pages' and annotations' structure parents from 0, so the second
    part's numbers are shifted past the first's, and so on.
    """
    root = out.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    kids = Array()
    numbers = Array()
    role_map = Dictionary()
    offset = 0
    for index, source in enumerate(sources):
        tree = source.Root.get("/StructTreeRoot")
        end = starts[index + 1] if index + 1 < len(starts) else len(out.pages)
        if tree is None:
            for page in out.pages[starts[index] : end]:
                if "/StructParents" in page.obj:
                    del page.obj["/StructParents"]
            continue
        copied = out.copy_foreign(tree)
        elements = copied.get("/K")
        for element in [elements] if isinstance(elements, Dictionary) else elements or []:
            if isinstance(element, Dictionary):
                element.P = root
                kids.append(element)
        pairs = list(_number_tree(copied.get("/ParentTree", Dictionary())))
        for key, value in pairs:
            numbers.append(key + offset)
            numbers.append(value)
        for name, role in copied.get("/RoleMap", Dictionary()).items():
            role_map[name] = role
        for page in out.pages[starts[index] : end]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        keys = [key for key, _ in pairs]
        offset += max(int(copied.get("/ParentTreeNextKey", 0)), max(keys, default=-1) + 1)
    if not kids:
        return
    root.K = kids
    root.ParentTree = out.make_indirect(Dictionary(Nums=numbers))
    root.ParentTreeNextKey = offset
    if role_map:
        root.RoleMap = role_map
    out.Root.StructTreeRoot = root
    out.Root.MarkInfo = Dictionary(Marked=True)


def _copy_output_intent(out: pikepdf.Pdf, first: pikepdf.Pdf) -> None:
    """PDF/A wants exactly one output intent; every LibreOffice part carries the same sRGB one."""
    intents = first.Root.get("/OutputIntents")
    if intents is not None and len(intents):
        out.Root.OutputIntents = Array([out.copy_foreign(intents[0])])


def _page_index(source: pikepdf.Pdf, destination: object) -> int | None:
    if (
        isinstance(destination, Array)
        and len(destination)
        and isinstance(destination[0], Dictionary)
    ):
        with contextlib.suppress(ValueError):
            return source.pages.index(pikepdf.Page(destination[0]))
    return None


def _copy_items(
    items: list[OutlineItem], source: pikepdf.Pdf, start: int, fallback: int
) -> list[OutlineItem]:
    copied = []
    for item in items:
        index = _page_index(source, item.destination)
        if index is None and item.action is not None:
            index = _page_index(source, item.action.get("/D"))
        new = OutlineItem(str(item.title), start + index if index is not None else fallback)
        new.children.extend(_copy_items(list(item.children), source, start, fallback))
        copied.append(new)
    return copied


def _write_outline(
    out: pikepdf.Pdf, sources: list[tuple[BundlePart, pikepdf.Pdf]], starts: list[int]
) -> None:
    """One top-level bookmark per document, its own headings nested below it, folded away."""
    with out.open_outline() as outline:
        outline.root.clear()
        for (part, source), start in zip(sources, starts, strict=True):
            top = OutlineItem(part.title, start)
            with source.open_outline() as own:
                top.children.extend(_copy_items(list(own.root), source, start, start))
            # Closed: the reader first sees the documents, and opens one to see its headings.
            top.is_closed = True
            outline.root.append(top)


def _write_page_labels(out: pikepdf.Pdf, parts: list[BundlePart], starts: list[int]) -> None:
    numbers = Array()
    for part, start in zip(parts, starts, strict=True):
        numbers.append(start)
        numbers.append(Dictionary(S=Name.D, P=String(f"{part.label or part.title}-")))
    out.Root.PageLabels = Dictionary(Nums=numbers)


def _write_metadata(out: pikepdf.Pdf, metadata: BundleMetadata) -> None:
    """XMP declaring PDF/A-2b, mirrored into the document information dictionary."""
    created = (metadata.created or datetime.now(UTC)).replace(microsecond=0)
    stamp = created.isoformat()
    keywords = ["Individual Healthcare Plan", *metadata.keywords]
    if metadata.plan_date:
        keywords.append(f"plan date {metadata.plan_date.isoformat()}")
    if metadata.review_date:
        keywords.append(f"review date {metadata.review_date.isoformat()}")
    with out.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as xmp:
        xmp["pdfaid:part"] = "2"
        xmp["pdfaid:conformance"] = "B"
        xmp["dc:title"] = metadata.title
        xmp["dc:creator"] = [metadata.author]
        xmp["dc:description"] = metadata.subject
        xmp["dc:language"] = {metadata.language}
        xmp["pdf:Keywords"] = "; ".join(keywords)
        xmp["pdf:Producer"] = metadata.producer
        xmp["xmp:CreatorTool"] = metadata.producer
        xmp["xmp:CreateDate"] = stamp
        xmp["xmp:ModifyDate"] = stamp
        xmp["xmp:MetadataDate"] = stamp
