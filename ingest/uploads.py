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

from ingest.load import Incoming
from reporting.numbers import fmt_number

MAX_ENTRIES = 500
MAX_ENTRY_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024


class UploadError(ValueError):
    """An upload that cannot be opened; the message is Vietnamese."""


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    limit = min(MAX_ENTRY_BYTES, budget)
    with archive.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise UploadError(f"Tệp «{info.filename}» trong tệp nén quá lớn (giới hạn {MAX_ENTRY_BYTES // 2**20} MB).")
    return data


def expand(name: str, data: bytes) -> list[Incoming]:
    """The returns an upload holds: itself, or the .xlsx/.xls files inside a zip bundle."""
    if not data.startswith(b"PK\x03\x04") or _is_workbook(data):
        return [Incoming(name, data)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UploadError(f"Tệp nén «{name}» bị hỏng; nén lại các báo cáo rồi tải lên.") from exc
    with archive:
        entries = [
            i for i in archive.infolist() if not i.is_dir() and not PurePosixPath(i.filename).name.startswith(".")
        ]
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
            content = _read_capped(archive, info, budget)
            budget -= len(content)
            found.append(Incoming(PurePosixPath(info.filename).name, content))
    if not found:
        raise UploadError(f"Tệp nén «{name}» không có báo cáo Excel (.xlsx) nào.")
    return found
