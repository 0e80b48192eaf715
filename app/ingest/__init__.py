"""Reading uploaded lists and rosters: no database, no FastAPI, so the service, the CLI and the offline
``netra match`` read files the same way. One job per module:

* :mod:`~app.ingest.formats` tells CSV from XLSX by the bytes and refuses everything else;
* :mod:`~app.ingest.headers` finds the header row and maps its cells to Netra's fields;
* :mod:`~app.ingest.csv_reader` and :mod:`~app.ingest.xlsx_reader` read the rows into string columns;
* :mod:`~app.ingest.table` puts those together: :func:`open_table` gives a :class:`Table` of batches;
* :mod:`~app.ingest.values` and :mod:`~app.ingest.rules` decide each row: accepted, flagged or rejected;
* :mod:`~app.ingest.entries` shapes the accepted rows as the tables store them;
* :mod:`~app.ingest.errors` and :mod:`~app.ingest.limits` hold the file-level errors and bounds.

::

    with open_table(path, kind="list") as table:          # raises IngestError subclasses for bad files
        rules = FileRules(table.columns, "list")
        for batch in table.batches():
            checked = rules.check(batch)                   # accepted rows as columns, rejections
        rules.finish()                                     # accepted / rejected / blank / flagged counts
"""

from app.ingest.errors import (
    ColumnMappingError,
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    FileTooLargeError,
    HeaderNotFoundError,
    IngestError,
    LegacyXlsError,
    LineTooLongError,
    MissingColumnError,
    TooManyColumnsError,
    UnsupportedFileTypeError,
    ZipBombError,
)
from app.ingest.formats import detect_format
from app.ingest.headers import (
    FIELDS,
    CellValue,
    ColumnMap,
    Kind,
    SourceRow,
    build_column_map,
    cell_text,
    check_required_columns,
    field_for_header,
    normalize_header,
)
from app.ingest.limits import DEFAULT_LIMITS, Limits
from app.ingest.rules import ACCEPTED_COLUMNS, FLAGS, REASONS, Checked, FileRules, Rejection, Summary
from app.ingest.table import Table, open_table

__all__ = [
    "ACCEPTED_COLUMNS",
    "DEFAULT_LIMITS",
    "FIELDS",
    "FLAGS",
    "REASONS",
    "CellValue",
    "Checked",
    "ColumnMap",
    "ColumnMappingError",
    "CorruptFileError",
    "EmptyFileError",
    "EncryptedFileError",
    "FileRules",
    "FileTooLargeError",
    "HeaderNotFoundError",
    "IngestError",
    "Kind",
    "LegacyXlsError",
    "Limits",
    "LineTooLongError",
    "MissingColumnError",
    "Rejection",
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
    "normalize_header",
    "open_table",
]
