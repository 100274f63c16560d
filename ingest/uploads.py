"""Turning uploaded files into returns to load: workbooks as they are, zips opened with caps.

The type is judged from the bytes, never from the name (Streamlit checks the
extension in the browser only). A zip is a workbook when it holds
``xl/workbook.xml``; otherwise it is a bundle of returns, opened entry by
entry with limits on count and size, decompressing with a byte cap because
the sizes a zip declares can lie.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from ingest.container import OLE_MAGIC, ZIP_MAGIC, bomb
from ingest.findings import Finding, error
from ingest.load import Incoming
from reporting.numbers import fmt_number

MAX_ENTRIES = 500
MAX_ENTRY_BYTES = 10 * 1024 * 1024  # one workbook, inflated (a return is tens of KiB)
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # all entries of one upload, inflated (the server takes 10 MB uploads)
# An .xlsx is compressed already and barely shrinks in a bundle: an entry over 1 MiB inflating more is a bomb.
MAX_RATIO = 20
KEEP_NOT_WORKBOOK = 4 * 1024  # of an entry that is not a workbook at all, what is inflated and archived
KEEP_REFUSED = 64 * 1024  # of an entry that cannot be inflated, its stored bytes archived (as sent)
_CHUNK = 64 * 1024


class UploadError(ValueError):
    """An upload that cannot be opened; the message is Vietnamese."""


# The parts that make a zip one spreadsheet rather than a bundle of returns: an .xlsx/.xlsm, an .xlsb
# and an .ods. The last two are refused by the container check (with "save as .xlsx"), as one file,
# archived like every file; taken for a bundle they were refused as "no Excel file" and not kept.
_WORKBOOK_PARTS = frozenset({"xl/workbook.xml", "xl/workbook.bin", "content.xml"})


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return not _WORKBOOK_PARTS.isdisjoint(archive.namelist())
    except Exception:  # BadZipFile, a name that is not UTF-8, a damaged directory: not a workbook
        return False


def expand(name: str, data: bytes) -> list[Incoming]:
    """The returns an upload holds: itself, or the .xlsx/.xls files inside a zip bundle.

    Raises UploadError only for a bundle as a whole (damaged, too many files, no workbook in it). An entry
    that cannot be taken out (encrypted, damaged, a compression Python lacks, too large, past the upload's
    budget) is still returned, with its ``problem`` and what was kept of it, so that it is archived and
    recorded as rejected while the other entries go on. An entry that is not a workbook is inflated and
    archived only as far as its first ``KEEP_NOT_WORKBOOK`` bytes: enough to say what it is."""
    if not data.startswith(ZIP_MAGIC) or _is_workbook(data):
        return [Incoming(name, data)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:  # BadZipFile, ValueError (a name that is not UTF-8), OSError…
        raise UploadError(f"Tệp nén «{name}» bị hỏng; nén lại các báo cáo rồi tải lên.") from exc
    with archive:
        entries = [i for i in infos if not i.is_dir() and not PurePosixPath(i.filename).name.startswith(".")]
        if len(entries) > MAX_ENTRIES:
            raise UploadError(
                f"Tệp nén «{name}» có {fmt_number(len(entries))} tệp, quá giới hạn {fmt_number(MAX_ENTRIES)}; "
                "chia nhỏ rồi tải lên."
            )
        found: list[Incoming] = []
        budget = MAX_TOTAL_BYTES
        for info in entries:
            if PurePosixPath(info.filename).suffix.lower() not in (".xlsx", ".xls", ".xlsm"):
                continue
            incoming, used = _entry(archive, data, info, name, budget)
            budget -= used
            found.append(incoming)
    if not found:
        raise UploadError(f"Tệp nén «{name}» không có báo cáo Excel (.xlsx) nào.")
    return found


def _entry(
    archive: zipfile.ZipFile, bundle: bytes, info: zipfile.ZipInfo, bundle_name: str, budget: int
) -> tuple[Incoming, int]:
    """One entry as a file to load, and the bytes inflated for it. Never raises."""
    name = PurePosixPath(info.filename).name
    if budget <= 0:
        return _refused(name, bundle, info, _past_budget(name, bundle_name)), 0
    limit = min(MAX_ENTRY_BYTES, budget)
    out = bytearray()
    try:
        with archive.open(info) as fh:
            out += fh.read(len(ZIP_MAGIC))
            if not out.startswith((ZIP_MAGIC, OLE_MAGIC[: len(ZIP_MAGIC)])):
                # No workbook at all: the reader says so from its first bytes, and nothing more is needed.
                out += fh.read(KEEP_NOT_WORKBOOK - len(out))
                return Incoming(name, bytes(out)), len(out)
            while chunk := fh.read(_CHUNK):
                out += chunk
                if len(out) > limit or (len(out) > 1024 * 1024 and len(out) > MAX_RATIO * max(info.compress_size, 1)):
                    why = _past_budget(name, bundle_name) if len(out) > budget else _too_big(name)
                    return _refused(name, bundle, info, why), len(out)
    except Exception as exc:  # RuntimeError (encrypted), zlib.error, NotImplementedError (deflate64), BadZipFile (CRC)…
        return _refused(name, bundle, info, _not_inflated(name, bundle_name, exc)), len(out)
    return Incoming(name, bytes(out)), len(out)


def _refused(name: str, bundle: bytes, info: zipfile.ZipInfo, problem: Finding) -> Incoming:
    """An entry recorded as rejected; what is archived is its stored bytes as sent (at most ``KEEP_REFUSED``)."""
    start = info.header_offset
    try:
        header = bundle[start : start + 30]
        length = 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
        stored = bundle[start : start + length + min(info.compress_size, KEEP_REFUSED)]
    except Exception:  # a header that lies: keep nothing but the finding
        stored = b""
    return Incoming(name, stored[: KEEP_REFUSED + 1024], problem=problem)


def _not_inflated(name: str, bundle_name: str, exc: BaseException) -> Finding:
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
        why = "được đặt mật khẩu"
    elif isinstance(exc, NotImplementedError):
        why = "nén bằng kiểu nén không hỗ trợ"
    else:
        why = "bị hỏng"
    return error(
        "file_unreadable",
        f"Tệp «{name}» trong tệp nén «{bundle_name}» {why}, không giải nén được ({type(exc).__name__}). Nén lại các "
        "báo cáo bằng chức năng nén thông thường, không đặt mật khẩu, rồi tải lên; hoặc tải riêng tệp này lên.",
    )


def _too_big(name: str) -> Finding:
    return bomb(name, "trong tệp nén giải nén ra quá lớn")


def _past_budget(name: str, bundle_name: str) -> Finding:
    return error(
        "zip_bomb",
        f"Tệp «{name}» không được kiểm tra: các tệp trong tệp nén «{bundle_name}» giải nén ra hơn "
        f"{fmt_number(MAX_TOTAL_BYTES // 2**20)} MB. Tải tệp này lên trong một lần khác, hoặc chia nhỏ tệp nén.",
    )
