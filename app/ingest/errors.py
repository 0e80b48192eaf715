"""Everything that makes a whole file unreadable, in one tree. Row-level problems are not errors: the column
rules (:mod:`app.ingest.rules`) report them as rejected rows with their line and reason.

Each error carries a stable ``code``, an English ``message``, an Indonesian ``message_id`` for the web UI and
an ``http_status`` hint for the API's problem+json answer::

    IngestError
    ├── EmptyFileError            empty_file          422  zero bytes, blank rows only, header and no data
    ├── FileTooLargeError         file_too_large      413  more bytes than Limits.max_bytes
    ├── UnsupportedFileTypeError  unsupported_type    415  decided by magic bytes, never by the file name
    │   └── LegacyXlsError        legacy_xls          415  Excel 97-2003 .xls: "save as .xlsx"
    ├── EncryptedFileError        encrypted_file      422  password-protected (OLE2 + EncryptedPackage)
    ├── CorruptFileError          corrupt_file        422  broken zip/XML, bad CRC, undecodable CSV structure
    ├── ZipBombError              zip_bomb            413  inflates past Limits (declared or actual)
    ├── LineTooLongError          line_too_long       422  CSV line or field longer than the limits
    ├── TooManyColumnsError       too_many_columns    422  content beyond Limits.max_columns
    ├── HeaderNotFoundError       header_not_found    422  no row in the first rows looks like a header
    ├── MissingColumnError        missing_column      422  e.g. no NIK/NIP column in a roster
    └── ColumnMappingError        bad_column_mapping  422  an explicit ``columns=`` entry names nothing
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

__all__ = [
    "ColumnMappingError",
    "CorruptFileError",
    "EmptyFileError",
    "EncryptedFileError",
    "FileTooLargeError",
    "HeaderNotFoundError",
    "IngestError",
    "LegacyXlsError",
    "LineTooLongError",
    "MissingColumnError",
    "TooManyColumnsError",
    "UnsupportedFileTypeError",
    "ZipBombError",
    "field_too_long",
    "line_too_long",
    "too_many_columns",
]


class IngestError(Exception):
    """A file that cannot be ingested at all.

    ``code`` is stable for clients; ``message`` is English; ``message_id`` is the Indonesian sentence for the
    web UI; ``http_status`` is the suggested 4xx for the API's problem+json answer.
    """

    code: ClassVar[str] = "ingest_error"
    http_status: ClassVar[int] = 422

    def __init__(self, message: str, *, message_id: str, detail: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_id = message_id
        self.detail: Mapping[str, object] = MappingProxyType(dict(detail or {}))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable despite the keyword-only arguments, for callers that read in another process.
        return (_rebuild_error, (type(self), self.message, self.message_id, dict(self.detail)))


def _rebuild_error(
    kind: type[IngestError], message: str, message_id: str, detail: dict[str, object]
) -> IngestError:
    return kind(message, message_id=message_id, detail=detail)


class EmptyFileError(IngestError):
    code = "empty_file"


class FileTooLargeError(IngestError):
    code = "file_too_large"
    http_status = 413


class UnsupportedFileTypeError(IngestError):
    code = "unsupported_type"
    http_status = 415


class LegacyXlsError(UnsupportedFileTypeError):
    code = "legacy_xls"


class EncryptedFileError(IngestError):
    code = "encrypted_file"


class CorruptFileError(IngestError):
    code = "corrupt_file"


class ZipBombError(IngestError):
    code = "zip_bomb"
    http_status = 413


class LineTooLongError(IngestError):
    code = "line_too_long"


class TooManyColumnsError(IngestError):
    code = "too_many_columns"


class HeaderNotFoundError(IngestError):
    code = "header_not_found"


class MissingColumnError(IngestError):
    code = "missing_column"


class ColumnMappingError(IngestError):
    code = "bad_column_mapping"


def line_too_long(max_chars: int) -> LineTooLongError:
    return LineTooLongError(
        f"A line is longer than {max_chars:,} characters; this is not a list file.",
        message_id=f"Ada baris yang lebih panjang dari {max_chars:,} karakter.",
        detail={"limit": max_chars},
    )


def field_too_long(line: int, length: int, max_chars: int) -> LineTooLongError:
    return LineTooLongError(
        f"A field on line {line} is {length:,} characters long; the limit is "
        f"{max_chars:,} (usually a quote that is never closed).",
        message_id=f"Kolom pada baris {line} terlalu panjang (biasanya tanda kutip tidak ditutup).",
        detail={"line": line},
    )


def too_many_columns(line: int, count: int, limit: int) -> TooManyColumnsError:
    return TooManyColumnsError(
        f"Line {line} has content in {count:,} columns; the limit is {limit}.",
        message_id=f"Baris {line} berisi {count:,} kolom; batasnya {limit}.",
        detail={"line": line, "columns": count, "limit": limit},
    )
