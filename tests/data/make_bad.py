"""Write the corpus of bad and hostile intake files: `.venv/bin/python tests/data/make_bad.py`.

Each file in `tests/data/bad/` is a copy of the synthetic sample pupil Amelia Hart (from
`samples/make_samples.py`; nobody real) broken in one way a real intake folder can be: a file
that is not a workbook, a damaged or encrypted one, macros, formulas that reach outside, a layout
a school broke, limits passed, odd dates and odd text. `CORPUS` below says, for every file, where
`ihp check` must point and the exact message it must give (or that the file is accepted), and
`EXPECTED.md` is written from it. `tests/test_bad_input.py` checks every entry, and that the
committed files are what this script writes.

Files are made the way Excel or a hostile sender would make them: by openpyxl for what it can
express, and by editing the zip's XML directly for the rest (formulas with saved results,
`_x000B_` escapes, external links, entity declarations). Old-format and encrypted files are
minimal OLE compound files written below. Every byte is deterministic: fixed zip timestamps,
no randomness.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import io
import re
import struct
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from docx import Document
from openpyxl import Workbook, load_workbook
from openpyxl.utils.cell import range_boundaries

from pipeline.form import FIXED_TIME, fill_form, save_workbook, write_pupil_form
from pipeline.model import TEXT_LIMIT

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad"
ROOT = HERE.parent.parent


@dataclass(frozen=True)
class Bad:
    """One corpus file and what `ihp check` must say about it."""

    file: str
    #: what the file shows, in a few words (for EXPECTED.md)
    what: str
    #: `Sheet!Cell`, `Sheet` alone, or "" when the whole file is refused
    where: str
    #: the exact problem message; "" when the file must be accepted (it makes a plan)
    message: str
    make: Callable[[Path, Any], None]
    #: for accepted files: what the plan must hold (dotted path -> value)
    holds: tuple[tuple[str, Any], ...] = ()

    @property
    def accepted(self) -> bool:
        return not self.message


def _samples() -> ModuleType:
    name = "make_samples"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "samples" / "make_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Maker:
    """Fills the blank form with the sample pupil, optionally changed."""

    def __init__(self, folder: Path) -> None:
        self.form = write_pupil_form(folder / "ihp-intake.xlsx")
        self.samples = _samples()

    def pupil(
        self,
        dest: Path,
        change: Callable[[dict[str, Any], dict[str, list[dict[str, Any]]]], None] | None = None,
        *,
        born: date | None = None,
    ) -> Path:
        sample = self.samples.amelia()
        fields, tables = copy.deepcopy(sample.fields), copy.deepcopy(sample.tables)
        fields["pupil_photo"] = fields["pupil_photo_consent"] = None
        if born is not None:  # accepted files must not look like copies of one pupil
            fields["pupil_date_of_birth"] = born
        if change:
            change(fields, tables)
        return fill_form(self.form, dest, fields, tables)

    def school(self, dest: Path) -> Path:
        from pipeline.form import write_school_form

        form = write_school_form(dest.parent / ".school-form.xlsx")
        try:
            return fill_form(form, dest, self.samples.SCHOOL)
        finally:
            form.unlink()


# --- writing zips and editing their XML ------------------------------------------------------


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def _write_zip(path: Path, parts: dict[str, bytes], level: int = 6) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as package:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            package.writestr(info, content, compresslevel=level)
    path.write_bytes(buffer.getvalue())
    return path


def _sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    workbook = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    quoted = sheet.replace("'", "&apos;")
    match = re.search(
        rf'<sheet [^>]*name="(?:{re.escape(sheet)}|{re.escape(quoted)})"[^>]*/>', workbook
    )
    assert match, sheet
    rel_id = re.search(r'r:id="([^"]+)"', match.group(0)) or re.search(
        r'id="([^"]+)"', match.group(0)
    )
    assert rel_id
    target = re.search(rf'<Relationship [^>]*Id="{rel_id.group(1)}"[^>]*/>', rels)
    assert target
    path = re.search(r'Target="([^"]+)"', target.group(0))
    assert path
    return path.group(1).lstrip("/") if path.group(1).startswith("/") else f"xl/{path.group(1)}"


def _set_cell(path: Path, sheet: str, ref: str, inner: str, kind: str = "") -> Path:
    """Replace one cell's content with raw XML (`<f>...</f><v>...</v>`), keeping its style."""
    parts = _parts(path)
    name = _sheet_part(parts, sheet)
    xml = parts[name].decode()
    pattern = re.compile(rf'<c r="{ref}"([^>]*?)(?:/>|>.*?</c>)', re.DOTALL)
    match = pattern.search(xml)
    assert match, (sheet, ref)
    attributes = re.sub(r'\s+t="[^"]*"', "", match.group(1))
    kind_attr = f' t="{kind}"' if kind else ""
    xml = (
        xml[: match.start()]
        + f'<c r="{ref}"{attributes}{kind_attr}>{inner}</c>'
        + xml[match.end() :]
    )
    parts[name] = xml.encode()
    return _write_zip(path, parts)


def _edit(path: Path, change: Callable[[Workbook], None]) -> Path:
    wb = load_workbook(path)
    change(wb)
    return save_workbook(wb, path)


# --- OLE compound files (the container of .xls and of password-protected workbooks) ----------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file, version 3: one FAT sector, one directory sector, and each
    stream padded to 4,096 bytes or more so none needs the mini stream. Stream names must be
    given in the order the directory's sibling tree needs (shorter names first)."""
    sector = 512
    body, fat = b"", [_FAT, _END]
    entries = []
    next_sector = 2
    for name, content in streams.items():
        size = max(4096, -(-len(content) // sector) * sector)
        padded = content.ljust(size, b"\0")
        count = size // sector
        entries.append((name, next_sector, len(content)))
        fat += [next_sector + index + 1 for index in range(count - 1)] + [_END]
        next_sector += count
        body += padded
    assert len(fat) <= 128 and len(entries) <= 3
    fat += [_FREE] * (128 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, right: int, child: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0" if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            encoded,
            len(encoded),
            kind,
            1,  # black
            _FREE,  # left sibling
            right,
            child,
            b"\0" * 16,
            0,
            0,
            0,
            start,
            size,
        )

    directory = entry("Root Entry", 5, _END, 0, _FREE, 1 if entries else _FREE)
    for index, (name, start, size) in enumerate(entries, start=1):
        right = index + 1 if index < len(entries) else _FREE
        directory += entry(name, 2, start, size, right, _FREE)
    directory = directory.ljust(sector, b"\0")
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x003E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,  # directory sectors (always 0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,  # mini stream cut-off
        _END,  # no mini FAT
        0,
        _END,  # no DIFAT sectors
        0,
    ) + struct.pack("<109I", 0, *([_FREE] * 108))
    return header + struct.pack("<128I", *fat) + directory + body


def _noise(size: int, seed: bytes) -> bytes:
    """Deterministic bytes that look like ciphertext."""
    out, block = b"", seed
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return out[:size]


def _encrypted(dest: Path, maker: Maker) -> None:
    # What Excel writes for "Encrypt with Password": agile encryption info, then the
    # encrypted zip (here deterministic noise of a plausible size: nothing ever decrypts it).
    info = (
        struct.pack("<HHI", 4, 4, 0x40)
        + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        b'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        b'saltValue="AAECAwQFBgcICQoLDA0ODw=="/>'
        b"<keyEncryptors><keyEncryptor "
        b'uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        b'<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" '
        b'hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
        b'hashAlgorithm="SHA512" saltValue="EBESExQVFhcYGRobHB0eHw=="/>'
        b"</keyEncryptor></keyEncryptors></encryption>"
    )
    package = struct.pack("<Q", 40_000) + _noise(40_016, b"ihp-encrypted")
    dest.write_bytes(_cfb({"EncryptionInfo": info, "EncryptedPackage": package}))


def _old_xls(dest: Path, maker: Maker) -> None:
    # A BIFF8 workbook stream: a BOF record (workbook globals, Excel 97) then EOF.
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6)
    dest.write_bytes(_cfb({"Workbook": bof + struct.pack("<HH", 0x000A, 0)}))


# --- the corpus --------------------------------------------------------------------------------


def _text_file(dest: Path, maker: Maker) -> None:
    dest.write_text(
        "Pupil: Amelia Hart\nDate of birth: 14/06/2018\nCondition: asthma\n", encoding="utf-8"
    )


def _word_file(dest: Path, maker: Maker) -> None:
    document = Document()
    document.add_paragraph("Individual Healthcare Plan notes (a Word file, renamed)")
    buffer = io.BytesIO()
    document.save(buffer)
    scratch = dest.with_suffix(".docx")
    scratch.write_bytes(buffer.getvalue())
    parts = _parts(scratch)
    scratch.unlink()
    parts["docProps/core.xml"] = re.sub(
        rb"<dcterms:(created|modified)([^>]*)>[^<]*</dcterms:\1>",
        rb"<dcterms:\1\2>2026-01-01T00:00:00Z</dcterms:\1>",
        parts["docProps/core.xml"],
    )
    _write_zip(dest, parts)


def _truncated(dest: Path, maker: Maker) -> None:
    maker.pupil(dest)
    content = dest.read_bytes()
    dest.write_bytes(content[: len(content) // 2])


def _with_parts(extra: dict[str, bytes], types: dict[str, str] | None = None, level: int = 6):
    def make(dest: Path, maker: Maker) -> None:
        maker.pupil(dest)
        parts = _parts(dest)
        parts.update(extra)
        for name, content_type in (types or {}).items():
            override = f'<Override PartName="/{name}" ContentType="{content_type}"/>'
            parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
                b"</Types>", override.encode() + b"</Types>"
            )
        _write_zip(dest, parts, level)

    return make


_VBA = _cfb({"VBA": b'Attribute VB_Name = "ThisWorkbook"\r\n', "PROJECT": b'ID="{0}"\r\n'})


def _macro_enabled(dest: Path, maker: Maker) -> None:
    _with_parts(
        {"xl/vbaProject.bin": _VBA},
        {"xl/vbaProject.bin": "application/vnd.ms-office.vbaProject"},
    )(dest, maker)
    parts = _parts(dest)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    _write_zip(dest, parts)


def _other_form(dest: Path, maker: Maker) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Class list"
    ws.append(["Name", "Class", "Allergies"])
    ws.append(["Amelia Hart", "3F", "None"])
    wb.properties.modified = wb.properties.created = FIXED_TIME
    save_workbook(wb, dest)


def _old_version(dest: Path, maker: Maker) -> None:
    maker.pupil(dest)

    def change(wb: Workbook) -> None:
        ((sheet, cell),) = list(wb.defined_names["form_version"].destinations)
        wb[sheet][cell.replace("$", "")] = "0.9"

    _edit(dest, change)


def _deleted_sheet(dest: Path, maker: Maker) -> None:
    """The Pupil sheet deleted the way Excel does it: its names now point at #REF!."""
    maker.pupil(dest)

    def change(wb: Workbook) -> None:
        del wb["Pupil"]
        for defined in list(wb.defined_names.values()):
            if defined.attr_text.startswith("Pupil!"):
                defined.attr_text = "#REF!" + defined.attr_text.split("!", 1)[1]

    _edit(dest, change)


def _deleted_name(dest: Path, maker: Maker) -> None:
    maker.pupil(dest)
    _edit(dest, lambda wb: wb.defined_names.pop("pupil_date_of_birth"))


def _renamed_header(dest: Path, maker: Maker) -> None:
    maker.pupil(dest)

    def change(wb: Workbook) -> None:
        ws = wb["Medicines"]
        ws["C10"] = "Route (our words)"
        ws.tables["Medicines"].tableColumns[2].name = "Route (our words)"

    _edit(dest, change)


def _formula(sheet: str, ref: str, inner: str, kind: str = "", born: date | None = None):
    def make(dest: Path, maker: Maker) -> None:
        maker.pupil(dest, born=born)
        _set_cell(dest, sheet, ref, inner, kind)

    return make


def _external_link(dest: Path, maker: Maker) -> None:
    maker.pupil(dest)
    _set_cell(dest, "Pupil", "B12", "<f>[1]Sheet1!$A$1</f><v>9990001234</v>", "n")
    parts = _parts(dest)
    parts["xl/externalLinks/externalLink1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        b"</externalBook></externalLink>"
    )
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/externalLinkPath" Target="file:///C:/Users/office/pupils.xlsx" '
        b'TargetMode="External"/></Relationships>'
    )
    _write_zip(dest, parts)


def _merged(dest: Path, maker: Maker) -> None:
    maker.pupil(dest)

    def change(wb: Workbook) -> None:
        ws = wb["Pupil"]
        ws.protection.sheet = False
        ws.merge_cells("B5:B6")

    _edit(dest, change)


def _set(**fields: Any):
    def make(dest: Path, maker: Maker) -> None:
        maker.pupil(dest, lambda f, t: f.update(fields))

    return make


def _ten_thousand_rows(dest: Path, maker: Maker) -> None:
    maker.pupil(dest)

    def change(wb: Workbook) -> None:
        ws = wb["Agreement"]
        table = ws.tables["Attendees"]
        min_col, min_row, _, _ = range_boundaries(table.ref)
        for index in range(10_000):
            row = min_row + 1 + index
            ws.cell(row=row, column=min_col, value=f"Visitor {index + 1}")
            ws.cell(row=row, column=min_col + 1, value="Other")
        table.ref = f"A{min_row}:C{min_row + 10_000}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref

    _edit(dest, change)


def _huge_merge(dest: Path, maker: Maker) -> None:
    maker.pupil(dest)

    def change(wb: Workbook) -> None:
        ws = wb.create_sheet("Notes")
        ws["A1"] = "Notes"
        ws.merge_cells("A1:ZZ1000")  # 702,000 cells, in one line of XML

    _edit(dest, change)


def _bomb(size: int, level: int = 9):
    return _with_parts({"xl/media/image1.png": b"\0" * size}, level=level)


def _many_parts(dest: Path, maker: Maker) -> None:
    _with_parts({f"customXml/item{index}.xml": b"<a/>" for index in range(600)})(dest, maker)


def _entities(dest: Path, maker: Maker) -> None:
    maker.pupil(dest)
    parts = _parts(dest)
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
            for n in range(1, 10)
        )
        + b"]>\n"
    )
    app = parts["docProps/app.xml"]
    parts["docProps/app.xml"] = laughs + (
        app.split(b"?>", 1)[1] if app.startswith(b"<?xml") else app
    )
    _write_zip(dest, parts)


def _long_text(dest: Path, maker: Maker) -> None:
    """100,000 characters in one cell: more than Excel itself allows (32,767), so written
    straight into the sheet's XML, as a program other than Excel could."""
    maker.pupil(dest)
    text = "Diagnosed with asthma. " * 4347 + "Done, after a year."
    assert len(text) == 100_000
    _set_cell(dest, "Why now", "B6", f"<is><t>{text}</t></is>", "inlineStr")


def _escaped_controls(dest: Path, maker: Maker) -> None:
    """Excel writes characters XML cannot hold as `_xHHHH_`: a pasted line break is \\x0b."""
    maker.pupil(dest, born=date(2018, 6, 2))
    _set_cell(
        dest,
        "Why now",
        "B6",
        "<is><t>Diagnosed in July._x000B_Second line._x0007_ Bell removed.</t></is>",
        "inlineStr",
    )


_TEMPLATE_NAME = "{{ pupil.__class__.__mro__ }}"
_TEMPLATE_SIGNS = "{% include '/etc/passwd' %} {{ 7*7 }} {% import 'os' as os %}"

#: names that accepted files use, each a real possibility a slug must survive
_PATH_NAME = "../../etc/passwd"
_UNICODE_NAME = "Ame\u0301lie نور Hart 🌈"  # a combining accent, Arabic (right to left), emoji


def _unicode_names(dest: Path, maker: Maker) -> None:
    def change(fields: dict[str, Any], tables: dict[str, list[dict[str, Any]]]) -> None:
        fields["pupil_legal_name"] = _UNICODE_NAME
        fields["pupil_preferred_name"] = "Millie 🦄"
        fields["pupil_date_of_birth"] = date(2018, 6, 3)
        tables["FamilyContacts"][0]["name"] = "אורי כהן"  # Hebrew, right to left

    maker.pupil(dest, change)


def _holds_unicode() -> tuple[tuple[str, Any], ...]:
    return (
        ("pupil.legal_name", "Amélie نور Hart 🌈"),
        ("pupil.preferred_name", "Millie 🦄"),
        ("contacts.family.0.name", "אורי כהן"),
    )


CORPUS: tuple[Bad, ...] = (
    Bad(
        "not-a-workbook.xlsx",
        "a text file renamed .xlsx",
        "",
        "this file is not an Excel workbook: it holds plain text (it may have been renamed to "
        ".xlsx)",
        _text_file,
    ),
    Bad(
        "word-document.xlsx",
        "a Word document renamed .xlsx",
        "",
        "this file is a Word document renamed to .xlsx, not an Excel workbook (.xlsx)",
        _word_file,
    ),
    Bad(
        "truncated.xlsx",
        "the first half of a workbook (a copy that did not finish)",
        "",
        "this file is damaged or incomplete (it may not have finished copying or downloading)",
        _truncated,
    ),
    Bad(
        "password-protected.xlsx",
        "an encrypted workbook (OLE container with EncryptionInfo and EncryptedPackage)",
        "",
        "this workbook is protected with a password to open, so it cannot be read",
        _encrypted,
    ),
    Bad(
        "old-format.xls",
        "an Excel 97-2003 file (OLE container with a BIFF8 Workbook stream)",
        "",
        "this is an old-format Excel file (.xls, Excel 97-2003), which ihp does not read",
        _old_xls,
    ),
    Bad(
        "macro-enabled.xlsm",
        "a macro-enabled workbook with a VBA project",
        "",
        "this is a macro-enabled workbook (.xlsm); ihp never opens workbooks that can hold macros",
        _macro_enabled,
    ),
    Bad(
        "hidden-macros.xlsx",
        "an .xlsx with a VBA project (vbaProject.bin) slipped in",
        "",
        "this workbook contains macros (a VBA project); ihp never opens workbooks with macros",
        _with_parts({"xl/vbaProject.bin": _VBA}),
    ),
    Bad(
        "other-form.xlsx",
        "a class list, not our form",
        "",
        "this workbook is not an Individual Healthcare Plan intake form (it does not say which "
        "form it is)",
        _other_form,
    ),
    Bad(
        "old-form-version.xlsx",
        "a form from an older version (0.9)",
        "",
        "this workbook was made with version 0.9 of the intake form; this copy of ihp reads "
        "version 1.0",
        _old_version,
    ),
    Bad(
        "deleted-sheet.xlsx",
        "the Pupil sheet deleted (its names now point at #REF!)",
        "Pupil",
        "the 'Pupil' sheet is missing from this workbook (it was deleted, or its boxes lost "
        "their names)",
        _deleted_sheet,
    ),
    Bad(
        "deleted-name.xlsx",
        "the defined name of the date of birth deleted",
        "Pupil",
        "this workbook has no box for 'Date of birth' (its name was deleted or renamed)",
        _deleted_name,
    ),
    Bad(
        "renamed-header.xlsx",
        "the Medicines table's 'How it is given' heading renamed",
        "Medicines!A10",
        "the Medicines table has no 'How it is given' column",
        _renamed_header,
    ),
    Bad(
        "formula-with-saved-value.xlsx",
        "the name is a formula whose saved result is plain text: the result is used",
        "",
        "",
        _formula(
            "Pupil",
            "B5",
            '<f>CONCATENATE("Amelia ","Rose Hart")</f><v>Amelia Rose Hart</v>',
            "str",
            born=date(2018, 6, 1),
        ),
        holds=(("pupil.legal_name", "Amelia Rose Hart"),),
    ),
    Bad(
        "formula-without-value.xlsx",
        "the name is a formula never calculated (no saved result)",
        "Pupil!B5",
        "this box holds a formula (=UPPER(A5)) whose result was never saved, so there is no "
        "value to read",
        _formula("Pupil", "B5", "<f>UPPER(A5)</f><v></v>"),
    ),
    Bad(
        "formula-error.xlsx",
        "the date of birth is a formula showing #REF!",
        "Pupil!B7",
        "this box shows the Excel error #REF! instead of a value",
        _formula("Pupil", "B7", "<f>#REF!+1</f><v>#REF!</v>", "e"),
    ),
    Bad(
        "dde-formula.xlsx",
        "a DDE formula that would start a program (=cmd|' /C calc'!A0)",
        "Medicines!A11",
        "this cell holds a formula that can start another program or reach the internet "
        "(=cmd|' /C calc'!A0); ihp never runs it and will not read this workbook",
        _formula("Medicines", "A11", "<f>cmd|' /C calc'!A0</f><v>0</v>", "n"),
    ),
    Bad(
        "external-link.xlsx",
        "the NHS number is a formula reading another file ([1]Sheet1!$A$1)",
        "Pupil!B12",
        "this cell's formula takes its value from another file (=[1]Sheet1!$A$1); ihp reads "
        "only what is typed in this workbook",
        _external_link,
    ),
    Bad(
        "merged-cells.xlsx",
        "the name and preferred name boxes merged",
        "Pupil!B6",
        "this box has been merged with others (B5:B6), so it cannot hold its own value",
        _merged,
    ),
    Bad(
        "date-far-past.xlsx",
        "a date of birth in 1900",
        "Pupil!B7",
        "the date of birth 01/01/1900 makes the pupil 126 on the plan date; a pupil is between "
        "2 and 25",
        _set(pupil_date_of_birth=date(1900, 1, 1)),
    ),
    Bad(
        "date-far-future.xlsx",
        "a plan date in the year 9999",
        "Agreement!B9",
        "the plan date 31/12/9999 is more than a year from today",
        _set(agreement_plan_date=date(9999, 12, 31)),
    ),
    Bad(
        "dob-after-plan-date.xlsx",
        "a date of birth after the plan date",
        "Pupil!B7",
        "the date of birth 01/01/2027 is not before the plan date 14/09/2026",
        _set(pupil_date_of_birth=date(2027, 1, 1)),
    ),
    Bad(
        "review-before-plan-date.xlsx",
        "a review date before the plan date",
        "Agreement!B10",
        "the review date 01/09/2026 is not after the plan date 14/09/2026",
        _set(agreement_review_date=date(2026, 9, 1)),
    ),
    Bad(
        "text-100000-characters.xlsx",
        "100,000 characters in one box",
        "Why now!B6",
        f"this text is 100000 characters long; a cell may hold at most {TEXT_LIMIT}",
        _long_text,
    ),
    Bad(
        "ten-thousand-rows.xlsx",
        "10,000 rows in the attendees table",
        "Agreement",
        "the 'Agreement' sheet has more than 5,000 rows; an intake form has a few hundred",
        _ten_thousand_rows,
    ),
    Bad(
        "huge-merge.xlsx",
        "one merge covering 702,000 cells (openpyxl would make an object for each)",
        "Notes",
        "this workbook has more than 250,000 cells (the limit was passed on the 'Notes' sheet); "
        "an intake form has about 10,000",
        _huge_merge,
    ),
    Bad(
        "zip-bomb.xlsx",
        "a part that unpacks to 60 MB of zeros",
        "",
        "this file unpacks to 60.4 MB, more than the 50 MB an intake workbook may (a filled form "
        "unpacks to under 1 MB)",
        _bomb(60 * 1024 * 1024),
    ),
    Bad(
        "packed-too-tightly.xlsx",
        "a 5 MB part packed a thousand times smaller",
        "",
        "part of this file unpacks to 1,026 times its packed size (more than 100 times), as a "
        "'zip bomb' made to exhaust memory does",
        _bomb(5 * 1024 * 1024),
    ),
    Bad(
        "many-parts.xlsx",
        "600 extra parts in the zip",
        "",
        "this file is made of 642 parts, more than the 500 an intake workbook may have",
        _many_parts,
    ),
    Bad(
        "xml-entities.xlsx",
        "a 'billion laughs' entity declaration in one part",
        "",
        "this file contains XML declarations Excel never writes (a DOCTYPE or entities); it may "
        "have been made to attack the programs that read it",
        _entities,
    ),
    Bad(
        "unicode-names.xlsx",
        "emoji, right-to-left text and combining characters in names: accepted",
        "",
        "",
        _unicode_names,
        holds=_holds_unicode(),
    ),
    Bad(
        "control-characters.xlsx",
        "\\x0b (a pasted line break) and \\x07 in a text box: accepted, \\x0b becomes a line "
        "break and other control characters are removed",
        "",
        "",
        _escaped_controls,
        holds=(("background.trigger_details", "Diagnosed in July.\nSecond line. Bell removed."),),
    ),
    Bad(
        "template-tags.xlsx",
        "Jinja tags typed in boxes: accepted and printed as typed, never run",
        "",
        "",
        _set(
            pupil_preferred_name=_TEMPLATE_NAME,
            emergency_signs=_TEMPLATE_SIGNS,
            pupil_date_of_birth=date(2018, 6, 4),
        ),
        holds=(("pupil.preferred_name", _TEMPLATE_NAME), ("emergency.signs", _TEMPLATE_SIGNS)),
    ),
    Bad(
        "path-name.xlsx",
        "a pupil named ../../etc/passwd: accepted; the files stay in the output folder",
        "",
        "",
        _set(pupil_legal_name=_PATH_NAME, pupil_date_of_birth=date(2018, 6, 5)),
        holds=(("pupil.legal_name", _PATH_NAME),),
    ),
    Bad(
        "device-name.xlsx",
        "a pupil named CON (a Windows device name): accepted, files named con-pupil-...",
        "",
        "",
        _set(pupil_legal_name="CON", pupil_date_of_birth=date(2018, 6, 6)),
        holds=(("pupil.legal_name", "CON"),),
    ),
    Bad(
        "device-file-name.xlsx",
        "a pupil named nul.txt: accepted, files named nul-txt-pupil-...",
        "",
        "",
        _set(pupil_legal_name="nul.txt", pupil_date_of_birth=date(2018, 6, 7)),
        holds=(("pupil.legal_name", "nul.txt"),),
    ),
)
"""Every corpus file. Sheet!cell references are those of the generated form."""


def _expected_md(corpus: tuple[Bad, ...]) -> str:
    lines = [
        "# Bad and hostile intake files",
        "",
        "Written by `tests/data/make_bad.py` (which holds this table as `CORPUS`); checked by "
        "`tests/test_bad_input.py` (`pytest -m bad`). Every file is the synthetic sample pupil "
        "Amelia Hart broken one way; `school.xlsx` is the sample school so the folder can be "
        "checked as a whole: `ihp check tests/data/bad/` lists every problem below and exits 3.",
        "",
        "Refused files get exactly one problem. For the others the problem below is among "
        "those reported (warnings that depend on today's date may join it). *accepted* files "
        "make a plan.",
        "",
        "| file | where | exact message | what it is |",
        "|---|---|---|---|",
    ]
    for bad in corpus:
        where = bad.where or "(whole file)"
        message = bad.message.replace("|", "\\|") if bad.message else "*accepted*"
        what = bad.what.replace("|", "\\|")
        lines.append(f"| {bad.file} | {where} | {message} | {what} |")
    return "\n".join(lines) + "\n"


def write_corpus(folder: Path = BAD) -> list[Path]:
    """Write every corpus file, the sample school and EXPECTED.md into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        maker = Maker(Path(scratch))
        written.append(maker.school(folder / "school.xlsx"))
        for bad in CORPUS:
            dest = folder / bad.file
            bad.make(dest, maker)
            written.append(dest)
    expected = folder / "EXPECTED.md"
    expected.write_text(_expected_md(CORPUS), encoding="utf-8")
    written.append(expected)
    return written


if __name__ == "__main__":
    for path in write_corpus():
        print(path.relative_to(ROOT))
