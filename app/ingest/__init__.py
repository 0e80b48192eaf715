"""Pure parsing layer for uploaded lists and rosters: read (``readers``), then validate row by row (``rows``).

No database, no FastAPI: the service stores what this yields, the CLI and ``netra match`` use it offline::

    with open_table(path, kind="list") as table:          # raises IngestError subclasses for bad files
        validator = RowValidator(table.columns, "list")
        for outcome in validator.run(table):               # Record | Rejection, in file order
            ...
    validator.summary                                      # accepted / rejected / blank / flagged counts
"""

from app.ingest.readers import (
    DEFAULT_LIMITS,
    FIELDS,
    CellValue,
    ColumnMap,
    ColumnMappingError,
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    FileTooLargeError,
    HeaderNotFoundError,
    IngestError,
    Kind,
    LegacyXlsError,
    Limits,
    LineTooLongError,
    MissingColumnError,
    SourceRow,
    Table,
    TooManyColumnsError,
    UnsupportedFileTypeError,
    ZipBombError,
    build_column_map,
    cell_text,
    check_required_columns,
    detect_format,
    field_for_header,
    normalize_header,
    open_table,
)
from app.ingest.rows import (
    REASONS,
    Record,
    Rejection,
    RowValidator,
    Summary,
    normalize_gender,
    parse_birth_date,
    split_place_date,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FIELDS",
    "REASONS",
    "CellValue",
    "ColumnMap",
    "ColumnMappingError",
    "CorruptFileError",
    "EmptyFileError",
    "EncryptedFileError",
    "FileTooLargeError",
    "HeaderNotFoundError",
    "IngestError",
    "Kind",
    "LegacyXlsError",
    "Limits",
    "LineTooLongError",
    "MissingColumnError",
    "Record",
    "Rejection",
    "RowValidator",
    "SourceRow",
    "Summary",
    "Table",
    "TooManyColumnsError",
    "UnsupportedFileTypeError",
    "ZipBombError",
    "build_column_map",
    "cell_text",
    "check_required_columns",
    "detect_format",
    "field_for_header",
    "normalize_gender",
    "normalize_header",
    "open_table",
    "parse_birth_date",
    "split_place_date",
]
