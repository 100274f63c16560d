"""Looking inside a workbook's container before any parser touches it.

An .xlsx is a zip of XML parts. Before reading cells we open the zip
ourselves: count its entries, decompress every part with a byte cap (the sizes
a zip declares can lie), refuse macros, links to other files and XML that
declares a DTD or entities (parsed with defusedxml, which forbids them), and
note what the checks need later: formula cells and whether Excel ever
calculated them, and hidden sheets.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ingest.findings import Finding, error
from reporting.numbers import fmt_number

MAX_ENTRIES = 200
MAX_PART_BYTES = 20 * 1024 * 1024  # one sheet of a return is tens of kilobytes
MAX_TOTAL_BYTES = 20 * 1024 * 1024  # a return inflates to ~100 KiB; a million-row sheet to ~40 MiB
MAX_RATIO = 200  # uncompressed / compressed, for parts over 1 MiB
MAX_SHEETS = 100  # a return has 7; each <sheet> may point at any part, so the count is capped and a part parsed once
# What openpyxl may parse to mark a workbook up (~0.8 s a MiB of sheet XML here); a return is ~100 KiB
MAX_MARKUP_BYTES = 2 * 1024 * 1024
_CHUNK = 64 * 1024
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Container:
    """What the zip holds, beyond the cells calamine reads."""

    problems: list[Finding] = field(default_factory=list)
    # sheet name -> {cell ref: whether a cached value is stored}
    formulas: dict[str, dict[str, bool]] = field(default_factory=dict)
    never_calculated: bool = False  # written by a program, never opened and saved in Excel
    hidden_sheets: set[str] = field(default_factory=set)
    # sheet name -> {cell ref: error value} of cells holding an error (#DIV/0!, #VALUE!…): calamine reads them as blank
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    inflated: int = 0  # bytes of all parts, decompressed
    # bytes of sheet parts named by more than one sheet, counted again for each (openpyxl reads them so)
    repeated: int = 0

    @property
    def markup_ok(self) -> bool:
        """Whether openpyxl may open the workbook to mark it up, in bounded time."""
        return self.inflated + self.repeated <= MAX_MARKUP_BYTES

    @property
    def refused(self) -> bool:
        return bool(self.problems)


class _TooBig(Exception):
    pass


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """Decompress one part, stopping as soon as it passes its cap or the batch budget."""
    limit = min(MAX_PART_BYTES, budget)
    out = bytearray()
    with archive.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            out += chunk
            if len(out) > limit or (len(out) > 1024 * 1024 and len(out) > MAX_RATIO * max(info.compress_size, 1)):
                raise _TooBig(info.filename)  # a bomb stops at its first MiB, not at the cap
    return bytes(out)


def inspect(data: bytes, file_name: str) -> Container:
    """Open the container; ``problems`` say why a file must not be parsed. Never raises."""
    try:
        return _inspect(data, file_name)
    except Exception:  # whatever a crafted zip does, it is this file's problem, never the batch's
        found = Container()
        found.problems.append(_unreadable(file_name))
        return found


def _unreadable(file_name: str) -> Finding:
    return error("file_unreadable", f"Tệp «{file_name}» bị hỏng, không mở được. Lưu lại tệp bằng Excel rồi gửi lại.")


def _inspect(data: bytes, file_name: str) -> Container:
    found = Container()
    if data.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            found.problems.append(
                error(
                    "encrypted",
                    f"Tệp «{file_name}» được đặt mật khẩu nên không đọc được. Mở tệp bằng Excel, gỡ mật khẩu "
                    "(Tệp > Thông tin > Bảo vệ sổ làm việc > Mã hóa bằng mật khẩu, xóa mật khẩu), lưu lại rồi gửi.",
                )
            )
        return found  # an old .xls: calamine reads it; there is no zip to look into
    if not data.startswith(ZIP_MAGIC):
        return found  # not a zip: the reader says what it is
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):  # a name not UTF-8: ValueError
        found.problems.append(_unreadable(file_name))
        return found
    with archive:
        if len(infos) > MAX_ENTRIES:
            found.problems.append(bomb(file_name, f"có {fmt_number(len(infos))} thành phần"))
            return found
        names = {i.filename for i in infos}
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            found.problems.append(
                error(
                    "macro",
                    f"Tệp «{file_name}» có chứa macro (VBA). Không gửi tệp có macro: mở bằng Excel, chọn Lưu thành "
                    "(Save As) kiểu «Excel Workbook (*.xlsx)» rồi gửi tệp mới.",
                )
            )
        if any(n.startswith("xl/externalLinks/") for n in names):
            found.problems.append(
                error(
                    "external_links",
                    f"Tệp «{file_name}» có liên kết tới tệp khác. Trong Excel chọn Dữ liệu > Sửa liên kết > Ngắt liên "
                    "kết (Data > Edit Links > Break Link), lưu lại rồi gửi.",
                )
            )
        if "xl/workbook.bin" in names or ("content.xml" in names and "xl/workbook.xml" not in names):
            # .xlsb (binary parts) and .ods (OpenDocument): calamine reads their cells, but the formula and
            # hidden-sheet checks read the XML parts of an .xlsx; nothing is accepted unchecked.
            found.problems.append(_other_format(file_name, binary="xl/workbook.bin" in names))
            return found
        parts: dict[str, bytes] = {}
        budget = MAX_TOTAL_BYTES
        try:
            for info in infos:
                if info.is_dir():
                    continue
                content = _read_part(archive, info, budget)
                budget -= len(content)
                found.inflated += len(content)
                if info.filename.endswith((".xml", ".rels")):
                    parts[info.filename] = content
        except _TooBig:
            found.problems.append(bomb(file_name, "giải nén ra quá lớn"))
            return found
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            EOFError,
            zlib.error,
            RuntimeError,
            NotImplementedError,
        ):
            # RuntimeError: an encrypted part; NotImplementedError: a compression Python cannot inflate (deflate64)
            found.problems.append(_unreadable(file_name))
            return found
    if found.problems:
        return found
    try:
        for content in parts.values():
            if _may_declare(content):
                fromstring(content, forbid_dtd=True)  # refuses DTDs and entity declarations (billion laughs)
        _formulas_and_states(parts, found, file_name)
    except SyntaxError:  # XML that does not parse (ParseError): a damaged part
        found.problems.append(_unreadable(file_name))
    except (DefusedXmlException, ValueError):
        found.problems.append(
            error(
                "xml_forbidden",
                f"Tệp «{file_name}» có nội dung XML không được phép (khai báo DTD hoặc thực thể). Tệp không do Excel "
                "tạo ra; mở mẫu báo cáo bằng Excel, nhập lại số liệu rồi gửi.",
            )
        )
    return found


def _may_declare(content: bytes) -> bool:
    """Whether a part could hold a DTD or an entity declaration, and so must go through defusedxml.

    Both start with "<!"; in UTF-8 (what Excel writes) its absence proves there is none, and
    skipping the full parse of such parts is most of the time a check takes. Anything not plainly
    UTF-8 (a byte-order mark, NUL bytes of UTF-16) is parsed whole.
    """
    return b"<!" in content or b"\x00" in content or content.startswith((b"\xff\xfe", b"\xfe\xff"))


def _other_format(file_name: str, *, binary: bool) -> Finding:
    kind = "Excel nhị phân (.xlsb)" if binary else "OpenDocument (.ods, của LibreOffice)"
    return error(
        "format_unsupported",
        f"Tệp «{file_name}» là bảng tính dạng {kind}: không kiểm tra được công thức và trang ẩn của dạng này. "
        "Mở tệp, chọn Lưu thành (Save As) kiểu «Excel Workbook (*.xlsx)» rồi gửi tệp mới.",
    )


def bomb(file_name: str, why: str) -> Finding:
    """The refusal of a file that inflates (or counts) far beyond any return."""
    return error(
        "zip_bomb",
        f"Tệp «{file_name}» {why}, không phải một báo cáo bình thường (báo cáo chỉ vài chục KB). "
        "Gửi lại đúng tệp báo cáo đã lưu bằng Excel.",
    )


def _formulas_and_states(parts: dict[str, bytes], found: Container, file_name: str) -> None:
    workbook = parts.get("xl/workbook.xml")
    rels = parts.get("xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return
    book = fromstring(workbook, forbid_dtd=True)
    calc = book.find(f"{_MAIN}calcPr")
    # Files written by openpyxl or xlsxwriter ask Excel to calculate on load; Excel itself never
    # saves that flag, so formulas in such a file have no trustworthy cached value.
    found.never_calculated = calc is not None and calc.get("fullCalcOnLoad") in ("1", "true")
    targets = {
        rel.get("Id"): posixpath.normpath(posixpath.join("xl", rel.get("Target", "")))
        for rel in fromstring(rels, forbid_dtd=True).iter(f"{_PKG_REL}Relationship")
    }
    sheets = list(book.iter(f"{_MAIN}sheet"))
    if len(sheets) > MAX_SHEETS:
        found.problems.append(bomb(file_name, f"có {fmt_number(len(sheets))} trang tính"))
        return
    # A part is parsed once, however many sheets name it.
    cells_of: dict[str, tuple[dict[str, bool], dict[str, str]]] = {}
    for sheet in sheets:
        name = sheet.get("name", "")
        if sheet.get("state") in ("hidden", "veryHidden"):
            found.hidden_sheets.add(name)
        path = targets.get(sheet.get(f"{_REL}id"), "").lstrip("/")
        if path in cells_of:
            found.repeated += len(parts.get(path) or b"")
        else:
            cells_of[path] = _special_cells(parts.get(path))
        formulas, errors = cells_of[path]
        if formulas:
            found.formulas[name] = formulas
        if errors:
            found.errors[name] = errors


def _special_cells(xml: bytes | None) -> tuple[dict[str, bool], dict[str, str]]:
    """A sheet part's formula cells (ref -> whether a cached value is stored) and error cells (ref -> the error).

    Most parts have neither, and a byte search proves it without parsing (data validations'
    <formula1> are not cells; an error cell is written t="e")."""
    if xml is None:
        return {}, {}
    has_formula = any(tag in xml for tag in (b"<f>", b"<f ", b":f>", b":f "))
    has_error = b't="e"' in xml or b"t='e'" in xml
    if not (has_formula or has_error):
        return {}, {}
    formulas: dict[str, bool] = {}
    errors: dict[str, str] = {}
    for cell in fromstring(xml, forbid_dtd=True).iter(f"{_MAIN}c"):
        value = cell.find(f"{_MAIN}v")
        if has_formula and cell.find(f"{_MAIN}f") is not None:
            formulas[cell.get("r", "")] = value is not None and (value.text or "") != ""
        if cell.get("t") == "e":
            errors[cell.get("r", "")] = ((value.text if value is not None else None) or "#N/A").strip()[:20]
    return formulas, errors
