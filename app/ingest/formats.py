"""Decide what a file is from its bytes, never from its name, and refuse what Netra cannot read.

An encrypted XLSX is not a zip at all: Office wraps it in an OLE2 container holding ``EncryptionInfo`` and
``EncryptedPackage`` streams, the same container old ``.xls`` files use, so both are told apart here.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import IO, Literal

from app.ingest.errors import (
    EmptyFileError,
    EncryptedFileError,
    FileTooLargeError,
    LegacyXlsError,
    UnsupportedFileTypeError,
)
from app.ingest.limits import DEFAULT_LIMITS, Limits

__all__ = ["FileFormat", "detect_format", "unsupported"]

FileFormat = Literal["csv", "xlsx"]

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OTHER_BINARY: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document"),
)
_SAVE_AS = "Open it in Excel or LibreOffice and save it as .xlsx or .csv."
_SAVE_AS_ID = "Buka di Excel atau LibreOffice lalu simpan sebagai .xlsx atau .csv."


def unsupported(what: str) -> UnsupportedFileTypeError:
    return UnsupportedFileTypeError(
        f"The file is {what}, not a CSV or XLSX workbook. {_SAVE_AS}",
        message_id=f"Berkas ini bukan CSV atau XLSX. {_SAVE_AS_ID}",
        detail={"detected": what},
    )


def _contains_utf16(fp: IO[bytes], needles: Iterable[str], *, limit: int) -> set[str]:
    """Which of ``needles`` occur UTF-16LE-encoded in the first ``limit`` bytes, read in chunks.

    OLE2 directory entries store stream names in UTF-16LE; scanning for them is cruder than walking the FAT,
    but it is bounded, and the names looked for ("EncryptedPackage", "Workbook") do not occur by accident.
    """
    encoded = {needle: needle.encode("utf-16-le") for needle in needles}
    overlap = max(len(e) for e in encoded.values())
    found: set[str] = set()
    fp.seek(0)
    tail = b""
    read = 0
    while read < limit and len(found) < len(encoded):
        chunk = fp.read(min(1 << 20, limit - read))
        if not chunk:
            break
        read += len(chunk)
        window = tail + chunk
        found.update(name for name, e in encoded.items() if e in window)
        tail = window[-overlap:]
    return found


def detect_format(path: str | PathLike[str], limits: Limits = DEFAULT_LIMITS) -> FileFormat:
    """Decide CSV or XLSX from the bytes, never the name, and raise for everything else."""
    file_path = Path(path)
    size = file_path.stat().st_size
    if size == 0:
        raise EmptyFileError("The file is empty.", message_id="Berkas kosong.")
    if size > limits.max_bytes:
        raise FileTooLargeError(
            f"The file has {size:,} bytes; the limit is {limits.max_bytes:,}.",
            message_id=f"Ukuran berkas {size:,} byte melebihi batas {limits.max_bytes:,} byte.",
            detail={"size": size, "limit": limits.max_bytes},
        )
    with file_path.open("rb") as fp:
        head = fp.read(8192)
        if head.startswith(_ZIP_MAGICS):
            return "xlsx"  # whether it is a *workbook* zip is checked when it is opened
        if head.startswith(_OLE2_MAGIC):
            found = _contains_utf16(
                fp, ("EncryptedPackage", "EncryptionInfo", "Workbook", "Book"), limit=limits.max_bytes
            )
            if {"EncryptedPackage", "EncryptionInfo"} & found:
                raise EncryptedFileError(
                    "The workbook is password-protected. Remove the password "
                    "(File › Info › Protect Workbook) and upload it again.",
                    message_id="Berkas dilindungi kata sandi. Hapus kata sandinya lalu unggah ulang.",
                )
            if {"Workbook", "Book"} & found:
                raise LegacyXlsError(
                    "This is an old Excel 97-2003 (.xls) workbook. Open it in Excel or LibreOffice and "
                    "save it as .xlsx (Excel Workbook).",
                    message_id="Ini berkas Excel lama (.xls). Buka lalu simpan sebagai .xlsx "
                    "(Excel Workbook).",
                )
            raise unsupported("an Office 97-2003 document that is not a workbook")
    for magic, what in _OTHER_BINARY:
        if head.startswith(magic):
            raise unsupported(what)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"  # Excel's "Unicode Text" export: UTF-16 with BOM, tab-separated
    if b"\x00" in head:
        raise unsupported("binary data")
    if not head.strip().strip(codecs.BOM_UTF8).strip():
        raise EmptyFileError(
            "The file contains only blank lines.", message_id="Berkas hanya berisi baris kosong."
        )
    return "csv"
