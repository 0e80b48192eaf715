"""Reading files: real files written by csv, openpyxl and xlsxwriter, read through :func:`open_table`."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.ingest.csv_reader import _sniff_delimiter
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
from app.ingest.headers import CellValue, SourceRow, field_for_header
from app.ingest.limits import Limits
from app.ingest.rules import FileRules
from app.ingest.table import Table, open_table
from app.ingest.xlsx_reader import BOOL, DATE, DATETIME, FLOAT, INT
from tests.ingest.conftest import write_csv, write_xlsx_openpyxl, write_xlsx_xlsxwriter

NIK = "3271050101850001"


def _cell_count(batch: pl.DataFrame) -> int:
    return sum(1 for name in batch.columns if name[0] == "c" and name[1:].isdigit())


def _typed_cell(text: str | None, code: int) -> CellValue:
    """An XLSX cell back from its ``c{i}`` text and ``t{i}`` type code."""
    if text is None:
        return None
    if code == INT:
        return int(text)
    if code == FLOAT:
        return float(text)
    if code == DATE:
        return dt.date.fromisoformat(text)
    if code == DATETIME:
        return dt.datetime.fromisoformat(text)
    if code == BOOL:
        return text == "True"
    return text  # TEXT (and OTHER: times and durations, kept as their text)


def rows_of(table: Table) -> list[SourceRow]:
    """Every row of ``table.batches()`` turned back into a :class:`SourceRow` (line, cells).

    XLSX cells are rebuilt with their types from ``c{i}``/``t{i}`` (an empty cell is ``None``). CSV cells are
    strings; Polars pads a row shorter than the widest row to the batch's width with ``""``, so trailing
    ``""`` cells are dropped here. A CSV row's genuinely empty trailing fields ("a,b,") go too: in a batch
    they cannot be told apart from the padding.
    """
    rows: list[SourceRow] = []
    for batch in table.batches():
        width = _cell_count(batch)
        typed = "t0" in batch.columns
        for values in batch.iter_rows(named=True):
            cells: tuple[CellValue, ...]
            if typed:
                cells = tuple(_typed_cell(values[f"c{i}"], values[f"t{i}"]) for i in range(width))
            else:
                texts = [values[f"c{i}"] for i in range(width)]
                while texts and texts[-1] == "":
                    texts.pop()
                cells = tuple(texts)
            rows.append(SourceRow(values["line"], cells))
    return rows


def read_all(path: Path, **kwargs: object) -> tuple[dict[str, int], list[tuple[int, tuple[object, ...]]]]:
    with open_table(path, **kwargs) as table:  # type: ignore[arg-type]
        return dict(table.columns.fields), [(row.line, row.cells) for row in rows_of(table)]


def read_through(path: Path, **kwargs: object) -> None:
    """Open ``path`` and read every batch (the refusals that only reading the data can find)."""
    with open_table(path, **kwargs) as table:  # type: ignore[arg-type]
        for _ in table.batches():
            pass


# ------------------------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("NIK", "nik"),
        ("No. KTP", "nik"),
        ("NO_KTP", "nik"),
        ("Nomor Induk Kependudukan", "nik"),
        ("NIK (16 digit)", "nik"),
        ("NIK/KTP", "nik"),
        ("Nama Lengkap", "name"),
        ("NAMA PENDUKUNG", "name"),
        ("NIP Baru", "nip"),
        ("NI PPPK", "nip"),
        ("Unit Kerja", "unit"),
        ("OPD", "unit"),
        ("Tgl. Lahir", "birth_date"),
        ("Tempat, Tanggal Lahir", "birth_place_date"),
        ("TTL", "birth_place_date"),
        ("Jenis Kelamin (L/P)", "gender"),
        ("L/P", "gender"),
        ("No. KTA", "kta"),
        ("Kabupaten/Kota", "regency"),
        ("Pekerjaan", "occupation"),
        ("NO NIK KTP", "nik"),
        ("Nomor KTP/NIK", "nik"),
        ("Nama Lengkap Dengan Gelar", "name"),
        ("Tmp/Tgl Lahir", "birth_place_date"),
        ("Kode Kab/Kota", "regency"),
        ("Nama Kabupaten/Kota", "regency"),
        ("No. Kartu Tanda Anggota", "kta"),
        ("NIP/NRP", "nip"),
        ("Alamat Domisili", "address"),
        ("NIP Lama", None),  # the old 9-digit number, not the NIP
        ("Nama Ibu Kandung", None),
        ("", None),
    ],
)
def test_header_synonyms_ignore_case_and_punctuation(header: str, field: str | None) -> None:
    assert field_for_header(header) == field


# ------------------------------------------------------------------------------------------- XLSX


def test_xlsx_header_below_title_rows_keeps_spreadsheet_line_numbers(tmp_path: Path) -> None:
    path = write_xlsx_openpyxl(
        tmp_path / "daftar.xlsx",
        [
            ["DAFTAR ANGGOTA PARTAI"],
            ["Kota Bandung"],
            [],
            ["No", "NIK", "Nama Lengkap", "Tanggal Lahir"],
            [1, NIK, "Budi Santoso", dt.datetime(1985, 1, 1)],
            [],
            [2, "3271055203850001", "Siti", "12-03-1985"],
        ],
    )
    with open_table(path, kind="list") as table:
        assert table.format == "xlsx"
        assert table.engine == "calamine"
        assert table.columns.header_line == 4
        assert dict(table.columns.fields) == {"nik": 1, "name": 2, "birth_date": 3}
        rows = rows_of(table)
    assert [row.line for row in rows] == [5, 6, 7]
    assert rows[0].cells[1] == NIK
    assert rows[0].cells[3] in (dt.date(1985, 1, 1), dt.datetime(1985, 1, 1))
    assert rows[1].is_blank()


def test_xlsx_numeric_cells_stay_numeric_so_damage_can_be_detected(tmp_path: Path) -> None:
    path = write_xlsx_xlsxwriter(
        tmp_path / "numeric.xlsx",
        [["NIK", "Nama"], [3271050101850001, "Budi"], ["3271050101850001", "Budi"]],
    )
    _, rows = read_all(path)
    numeric, text = rows[0][1][0], rows[1][1][0]
    assert isinstance(numeric, float | int)
    assert isinstance(text, str)


def test_xlsx_indexes_are_absolute_when_the_table_starts_right_of_column_a(tmp_path: Path) -> None:
    path = write_xlsx_xlsxwriter(tmp_path / "offset.xlsx", [["NIK", "Nama"], [NIK, "Budi"]], first_column=2)
    fields, rows = read_all(path)
    assert fields == {"nik": 2, "name": 3}
    assert rows == [(2, ("", "", NIK, "Budi"))]


def test_streaming_fallback_gives_the_same_rows_as_calamine(tmp_path: Path) -> None:
    path = write_xlsx_openpyxl(
        tmp_path / "same.xlsx",
        [["Judul"], ["NIK", "Nama"], [NIK, "Budi"], [None, None], ["3271055203850001", "Siti"]],
    )
    with open_table(path) as fast, open_table(path, limits=Limits(max_cells_in_memory=4)) as slow:
        assert (fast.engine, slow.engine) == ("calamine", "openpyxl")
        assert fast.columns == slow.columns
        fast_rows = [(r.line, [c or None for c in r.cells], r.is_blank()) for r in rows_of(fast)]
        slow_rows = [(r.line, [c or None for c in r.cells], r.is_blank()) for r in rows_of(slow)]
    assert [(line, blank) for line, _, blank in fast_rows] == [(line, blank) for line, _, blank in slow_rows]
    assert [cells[:2] for _, cells, blank in fast_rows if not blank] == [
        cells[:2] for _, cells, blank in slow_rows if not blank
    ]


def test_explicit_columns_by_header_text_and_by_index(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "odd.csv", [["Kolom 1", "Kolom 2", "Kolom 3"], ["x", "Budi", NIK]])
    with pytest.raises(HeaderNotFoundError):
        open_table(path)
    fields, rows = read_all(path, columns={"nik": "kolom 3", "name": 1}, kind="list")
    assert fields == {"nik": 2, "name": 1}
    assert rows == [(2, ("x", "Budi", NIK))]
    with pytest.raises(ColumnMappingError):
        open_table(path, columns={"nik": "Kolom 9"})
    with pytest.raises(ColumnMappingError):
        open_table(path, columns={"shoe_size": 0})


def test_explicit_column_overrides_a_detected_one(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["NIK", "Nama", "No KTP Asli"], ["1", "Budi", NIK]])
    fields, _ = read_all(path, columns={"nik": "No KTP Asli"})
    assert fields == {"nik": 2, "name": 1}


def test_two_columns_for_one_identity_field_are_refused_naming_both(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dua.csv", [["NIK", "Nama", "No KTP"], ["1", "Budi", NIK]])
    with pytest.raises(ColumnMappingError) as refused:
        open_table(path)
    assert "2 columns for nik: A ('NIK'), C ('No KTP')" in refused.value.message
    assert refused.value.detail["columns"] == ["NIK", "No KTP"]
    # The same header twice: the caller picks one by its position.
    twice = write_csv(tmp_path / "kembar.csv", [["NIK", "Nama", "NIK"], ["1", "Budi", NIK]])
    with pytest.raises(ColumnMappingError, match="nik=2 for column C"):
        open_table(twice)
    fields, _ = read_all(twice, columns={"nik": 2})
    assert fields == {"nik": 2, "name": 1}
    # Other fields named twice (two addresses) still take the first: nothing a finding rests on.
    addresses = write_csv(
        tmp_path / "alamat.csv", [["NIK", "Nama", "Alamat", "Alamat"], [NIK, "Budi", "A", "B"]]
    )
    fields, _ = read_all(addresses)
    assert fields["address"] == 2


# ------------------------------------------------------------------------------------------- CSV


def test_csv_semicolon_with_bom_and_commas_inside_names(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bom.csv",
        [
            ["NIK", "Nama", "Alamat"],
            [NIK, "Dr. Budi, S.Pd.", "Jl. A, No. 1"],
            ["3271055203850001", "Siti", "-"],
        ],
        delimiter=";",
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    with open_table(path) as table:
        assert (table.delimiter, table.encoding) == (";", "utf-8-sig")
        assert (table.format, table.engine) == ("csv", "polars")
        assert table.columns.headers[0] == "NIK"  # no BOM glued to the first header
        rows = rows_of(table)
    assert rows[0].cells == (NIK, "Dr. Budi, S.Pd.", "Jl. A, No. 1")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = write_csv(tmp_path / "d.csv", [["NIK", "Nama", "JK"], [NIK, "Budi", "L"]], delimiter=delimiter)
    with open_table(path) as table:
        assert table.delimiter == delimiter


def test_csv_cp1252_names(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "win.csv", [["NIK", "Nama"], [NIK, "René Café"]], encoding="cp1252")
    with open_table(path) as table:
        assert table.encoding == "cp1252"
        assert [row.cells[1] for row in rows_of(table)] == ["René Café"]


def test_csv_late_cp1252_byte_after_a_utf8_sample_does_not_crash(tmp_path: Path) -> None:
    rows: list[list[str]] = [["NIK", "Nama"]] + [[NIK, f"Budi Santoso {i}"] for i in range(5000)]
    path = write_csv(tmp_path / "mixed.csv", rows)
    with path.open("ab") as handle:
        handle.write(f"{NIK},Ren".encode() + b"\xe9\r\n")  # cp1252 é, past the 64 KiB sample
    assert path.stat().st_size > 64 * 1024
    with open_table(path) as table:
        assert table.encoding == "utf-8"
        last = rows_of(table)[-1]
    assert last.cells == (NIK, "René")
    assert last.line == 5002


def test_csv_utf16_tab_separated_unicode_text_export(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + f"NIK\tNama\r\n{NIK}\tRené\r\n".encode("utf-16-le"))
    with open_table(path) as table:
        assert (table.encoding, table.delimiter) == ("utf-16", "\t")
        assert [row.cells for row in rows_of(table)] == [(NIK, "René")]


def test_csv_quoted_newlines_keep_physical_line_numbers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "nl.csv",
        [
            ["Daftar"],
            ["NIK", "Nama", "Alamat"],
            [NIK, "Budi", "Jl. Merdeka\nRT 01\nRW 02"],
            ["3271055203850001", "Siti", "Jl. B"],
            [],
            ["3271051708850002", "Agus", "Jl.\r\nC"],
            ["3273014506900003", "Dewi", "Jl. D"],
        ],
    )
    _, rows = read_all(path)
    assert [line for line, _ in rows] == [3, 6, 7, 8, 10]
    assert rows[0][1][2] == "Jl. Merdeka\nRT 01\nRW 02"


def _reference_rows(text: str, delimiter: str) -> list[tuple[int, tuple[str, ...]]]:
    """Records and their first physical line, one ``next()`` at a time (what the reader must equal)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, previous_end = [], 0
    for record in reader:
        rows.append((previous_end + 1, tuple(record)))
        previous_end = reader.line_num
    return rows


def _strictly_parseable(text: str, delimiter: str) -> bool:
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return False
    return True


def _quotes_well_formed(text: str, delimiter: str) -> bool:
    """Every field holding a quote is quoted as a whole, its quotes doubled (RFC 4180): ``"a""b"``, never
    ``a"b`` or ``"a"b``."""
    at_field_start, i = True, 0
    while i < len(text):
        char = text[i]
        if at_field_start and char == '"':
            i += 1
            while True:
                if i >= len(text):
                    return False  # never closed
                if text[i] == '"':
                    if text[i + 1 : i + 2] == '"':
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
            if i < len(text) and text[i] not in (delimiter, "\r", "\n"):
                return False
            at_field_start = False
            continue
        if char == '"':
            return False
        at_field_start = char in (delimiter, "\r", "\n")
        i += 1
    return True


# No lone "\r": a "\n" file with a "\r" line break, or a quoted field holding one, is read differently by
# the columnar reader than by the csv module (the lone-"\r" tests below pin what the csv module does).
_CSV_PIECES = st.sampled_from(["a", "Budi", NIK, ";", ",", '"', '""', "\n", "\r\n", " ", "é", "x" * 9])
_PLAIN_FIELDS = st.sampled_from(["", "a", "Budi", NIK, " ", "é", "x" * 9])
_QUOTED_FIELDS = st.lists(
    st.sampled_from(["a", "Budi", ";", ",", '""', "\n", "\r\n", " ", "é"]), max_size=6
).map(lambda pieces: '"' + "".join(pieces) + '"')


def _csv_texts(delimiter: str) -> st.SearchStrategy[tuple[str, str]]:
    """Text from pieces (any quoting, well formed or not), or records of plain and quoted fields (always
    well formed, and often with line breaks inside quotes, which pieces rarely give)."""
    records = st.lists(
        st.tuples(
            st.lists(st.one_of(_PLAIN_FIELDS, _QUOTED_FIELDS), min_size=1, max_size=5),
            st.sampled_from(["\n", "\r\n"]),
        ),
        max_size=8,
    ).map(lambda rows: "".join(delimiter.join(fields) + end for fields, end in rows))
    unended = records.map(lambda text: text.removesuffix("\n").removesuffix("\r"))
    texts = st.one_of(st.lists(_CSV_PIECES, max_size=60).map("".join), records, unended)
    return st.tuples(texts, st.just(delimiter))


@settings(max_examples=300, deadline=None)
@given(case=st.sampled_from([";", ","]).flatmap(_csv_texts), block=st.none() | st.integers(1, 48))
def test_csv_batches_parse_exactly_like_the_csv_module(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, str], block: int | None
) -> None:
    """Records and their physical start lines from ``table.batches()`` equal the csv module's, for text the
    csv module parses in strict mode with well-formed quotes (malformed quotes: the next test), whether the
    file is read in one block or in blocks of a few bytes (ending anywhere: inside quotes, in "\\r\\n")."""
    text, delimiter = case
    assume(_strictly_parseable(text, delimiter) and _quotes_well_formed(text, delimiter))
    header = delimiter.join(["NIK", "Nama", "Alamat"]) + "\n"
    assume(_sniff_delimiter(header + text) == delimiter)  # guessing the delimiter is not what is tested here
    path = tmp_path_factory.mktemp("csv") / "generated.csv"
    path.write_bytes((header + text).encode())
    expected = [(line + 1, cells) for line, cells in _reference_rows(text, delimiter)]
    # The header and every record fit in the rows read to find the header: a file without data is refused.
    complete = 1 + len(expected) <= Limits().header_scan_rows
    if complete and all(SourceRow(line, cells).is_blank() for line, cells in expected):
        with pytest.raises(EmptyFileError):
            open_table(path)
        return
    with open_table(path) as table:
        assert table.delimiter == delimiter
        got = []
        for batch in table.batches(block_bytes=block):
            width = _cell_count(batch)
            got += [
                (line, tuple(cells))
                for line, *cells in batch.select("line", *(f"c{i}" for i in range(width))).rows()
            ]
    assert [line for line, _ in got] == [line for line, _ in expected]
    # Polars pads short records to the batch's width with "": pad the csv module's records alike.
    padded = [
        (line, cells + ("",) * (len(found) - len(cells)))
        for (line, cells), (_, found) in zip(expected, got, strict=True)
    ]
    assert got == padded


@pytest.mark.parametrize("line", [2, 40, 70_000])
@pytest.mark.parametrize(("field", "read"), [('"Budi" Santoso', "Budi Santoso"), ('Bu"di', 'Bu"di')])
def test_csv_malformed_quotes_are_read_as_the_csv_module_reads_them(
    tmp_path: Path, field: str, read: str, line: int
) -> None:
    """Polars refuses a quote inside an unquoted field; Netra reads such files on, as the csv module does
    (and as it always has), with every row and line number."""
    rows = [f"{3271050101850000 + i},Budi {i},Jl. A" for i in range(2, line)]
    path = tmp_path / "quotes.csv"
    path.write_text("\n".join(["NIK,Nama,Alamat", *rows, f"13,{field},x", f"{NIK},Siti,Jl. B"]) + "\n")
    _, got = read_all(path)
    assert len(got) == line
    assert got[-2] == (line, ("13", read, "x"))
    assert got[-1] == (line + 1, (NIK, "Siti", "Jl. B"))
    assert [number for number, _ in got] == list(range(2, line + 2))


def test_csv_row_wider_than_every_earlier_row_keeps_its_extra_cells(tmp_path: Path) -> None:
    early = [[f"{3271050101850000 + i}", f"Budi {i}"] for i in range(2, 40)]  # past the first 30 rows
    path = write_csv(
        tmp_path / "wider.csv",
        [["NIK", "Nama"], *early, [NIK, "Siti", "Jl. B", "RT 01"], ["3271055203850001", "Dewi"]],
    )
    with open_table(path) as table:
        assert table.width == 2
        rows = rows_of(table)
    assert [row.line for row in rows] == list(range(2, 42))
    assert rows[0].cells == tuple(early[0])
    assert rows[-2].cells == (NIK, "Siti", "Jl. B", "RT 01")
    assert rows[-1].cells == ("3271055203850001", "Dewi")

    near = write_csv(tmp_path / "near.csv", [["NIK", "Nama"], [NIK, "Budi"], [NIK, "Siti", "Jl. B"]])
    _, rows_near = read_all(near)
    assert rows_near == [(2, (NIK, "Budi")), (3, (NIK, "Siti", "Jl. B"))]


def test_csv_nul_byte_in_the_data_is_refused_naming_the_line(tmp_path: Path) -> None:
    rows = [[f"{3271050101850000 + i}", f"Budi Santoso {i}", f"Jl. Merdeka {i}"] for i in range(2, 402)]
    path = write_csv(tmp_path / "nul.csv", [["NIK", "Nama", "Alamat"], *rows])
    with path.open("ab") as handle:
        handle.write(f"{NIK},Si".encode() + b"\x00" + b"ti,Jl. B\r\n")
    assert path.read_bytes().index(b"\x00") > 8192  # past the bytes that tell text from binary
    with pytest.raises(CorruptFileError) as caught:
        read_through(path)
    assert caught.value.detail["line"] == 402


def test_csv_with_classic_mac_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    text = f'Daftar\rNIK,Nama,Alamat\r{NIK},Budi,"Jl. A\rRT 01"\r\r3271055203850001,Siti,Jl. B\r'
    path.write_bytes(text.encode("cp1252"))
    with open_table(path) as table:
        assert table.columns.header_line == 2
        rows = rows_of(table)
    assert [(row.line, row.cells) for row in rows] == [
        (3, (NIK, "Budi", "Jl. A\rRT 01")),
        (5, ()),
        (6, ("3271055203850001", "Siti", "Jl. B")),
    ]


def test_csv_lone_cr_line_break_in_a_crlf_file_splits_records_like_the_csv_module(tmp_path: Path) -> None:
    """Lists glued together from exports of different systems mix line endings; the csv module (and the old
    reader) end a record at a lone "\\r" as at "\\n"."""
    text = (
        f"NIK,Nama,Alamat\r\n{NIK},Budi,Jl. A\r3271055203850001,Siti,Jl. B\r\n3271051708850002,Agus,Jl. C\r\n"
    )
    path = tmp_path / "mixed.csv"
    path.write_bytes(text.encode())
    _, rows = read_all(path)
    assert rows == [(line, cells) for line, cells in _reference_rows(text, ",")[1:]]
    assert [line for line, _ in rows] == [2, 3, 4]


@pytest.mark.timeout(10)  # a version of the columnar reader retried this file forever
def test_csv_lone_cr_line_break_after_the_first_rows(tmp_path: Path) -> None:
    rows = "".join(f"{3271050101850000 + i},Budi {i},Jl. A\n" for i in range(2, 42))
    text = f"NIK,Nama,Alamat\n{rows}{NIK},Siti,Jl. B\r3271051708850002,Agus,Jl. C\n"
    path = tmp_path / "mixed_late.csv"
    path.write_bytes(text.encode())
    _, got = read_all(path)
    assert got[-2:] == [(42, (NIK, "Siti", "Jl. B")), (43, ("3271051708850002", "Agus", "Jl. C"))]


def test_csv_lone_cr_inside_a_quoted_field_counts_as_a_line(tmp_path: Path) -> None:
    """As the csv module (and the old reader) count lines, whether or not another field holds a "\\n"."""
    text = f'NIK,Nama,Alamat\n{NIK},Budi,"Jl. A\rRT 01"\n3271055203850001,Siti,Jl. B\n'
    path = tmp_path / "cr_field.csv"
    path.write_bytes(text.encode())
    _, rows = read_all(path)
    assert rows == [(2, (NIK, "Budi", "Jl. A\rRT 01")), (4, ("3271055203850001", "Siti", "Jl. B"))]
    assert [line for line, _ in rows] == [line for line, _ in _reference_rows(text, ",")[1:]]


def test_header_and_only_blank_rows_past_the_first_rows_is_empty(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "blank.csv", [["NIK", "Nama"], *[["", ""]] * 40, [" ", ""]])
    with open_table(path, kind="list") as table:  # the first rows do not show the whole file
        rules = FileRules(table.columns, "list")
        for batch in table.batches():
            rules.check(batch)
    assert rules.summary.blank == 41
    with pytest.raises(EmptyFileError) as caught:
        rules.finish()
    assert caught.value.code == "empty_file"


# ------------------------------------------------------------------------------------------- refusals


def test_empty_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.csv"
    blank.write_bytes(codecs.BOM_UTF8 + b"\r\n\r\n  \n")
    header_only = write_csv(tmp_path / "header.csv", [["NIK", "Nama"], [], ["", ""]])
    header_only_xlsx = write_xlsx_openpyxl(tmp_path / "header.xlsx", [["NIK", "Nama"]])
    empty_xlsx = write_xlsx_openpyxl(tmp_path / "nothing.xlsx", [])
    for path in (empty, blank, header_only, header_only_xlsx, empty_xlsx):
        with pytest.raises(EmptyFileError) as caught:
            open_table(path)
        assert caught.value.code == "empty_file"
        assert caught.value.message_id


def test_required_columns_per_kind(tmp_path: Path) -> None:
    nip_only = write_csv(tmp_path / "nip.csv", [["NIP", "Nama"], ["198508172010011001", "Budi"]])
    open_table(nip_only, kind="roster").close()
    with pytest.raises(MissingColumnError) as caught:
        open_table(nip_only, kind="list")
    assert caught.value.detail["missing"] == ["nik or birth_date"]
    assert "NIK atau Tanggal Lahir" in caught.value.message_id

    birth_only = write_csv(tmp_path / "ttl.csv", [["Nama", "TTL"], ["Budi", "Bandung, 01-01-1985"]])
    open_table(birth_only, kind="list").close()
    with pytest.raises(MissingColumnError):
        open_table(birth_only, kind="roster")

    no_name = write_csv(tmp_path / "noname.csv", [["NIK", "Alamat"], [NIK, "Jl. A"]])
    with pytest.raises(MissingColumnError, match="no name column"):
        open_table(no_name, kind="list")


def test_file_too_large(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "big.csv", [["NIK", "Nama"], [NIK, "Budi"]])
    with pytest.raises(FileTooLargeError) as caught:
        open_table(path, limits=Limits(max_bytes=10))
    assert caught.value.http_status == 413


def test_csv_absurd_lines_fields_and_columns(tmp_path: Path) -> None:
    long_line = tmp_path / "long.csv"
    long_line.write_text("NIK,Nama\n" + NIK + "," + "x" * 5000 + "\n")
    with pytest.raises(LineTooLongError):
        read_through(long_line, limits=Limits(max_line_chars=1000))

    unclosed = tmp_path / "quote.csv"
    unclosed.write_text("NIK,Nama\n" + NIK + ',"Budi\n' + "\n".join(f"{NIK},x" for _ in range(200)))
    with pytest.raises(LineTooLongError, match="quote"):
        read_through(unclosed, limits=Limits(max_field_chars=500))

    long_field = tmp_path / "field.csv"
    long_field.write_text("NIK,Nama\n" + NIK + ",Budi\n" + NIK + "," + "x" * 600 + "\n")
    with pytest.raises(LineTooLongError, match="field on line 3"):
        read_through(long_field, limits=Limits(max_field_chars=500))

    wide_row = tmp_path / "wide_row.csv"
    wide_row.write_text("NIK,Nama\n" + NIK + ",Budi\n" + NIK + ",Budi" + ",x" * 300 + "\n")
    with pytest.raises(TooManyColumnsError, match="Line 3"):
        read_through(wide_row)

    wide = write_csv(tmp_path / "wide.csv", [["NIK", "Nama", *["x"] * 300], [NIK, "Budi"]])
    with pytest.raises(TooManyColumnsError):
        read_through(wide)


def test_xlsx_content_beyond_the_column_limit(tmp_path: Path) -> None:
    path = write_xlsx_openpyxl(
        tmp_path / "wide.xlsx", [["NIK", "Nama"], [NIK, "Budi", *[None] * 40, "stray"]]
    )
    with pytest.raises(TooManyColumnsError):
        read_through(path, limits=Limits(max_columns=20))
    with pytest.raises(TooManyColumnsError):
        read_through(path, limits=Limits(max_columns=20, max_cells_in_memory=1))


def _ole2(*stream_names: str) -> bytes:
    """An OLE2 compound-file header followed by a directory sector naming the given streams (UTF-16LE)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    entries = b""
    for name in ("Root Entry", *stream_names):
        encoded = (name + "\0").encode("utf-16-le")
        entries += encoded.ljust(64, b"\0") + struct.pack("<H", len(encoded)) + bytes(62)
    return header + entries.ljust(512, b"\0")


def test_xls_disguised_as_xlsx_is_told_to_save_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(_ole2("Workbook", "\x05SummaryInformation"))
    with pytest.raises(LegacyXlsError) as caught:
        open_table(path)
    assert isinstance(caught.value, UnsupportedFileTypeError)
    assert ".xlsx" in caught.value.message
    assert ".xlsx" in caught.value.message_id


def test_password_protected_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(_ole2("EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"))
    with pytest.raises(EncryptedFileError) as caught:
        open_table(path)
    assert caught.value.code == "encrypted_file"
    assert "password" in caught.value.message


@pytest.mark.parametrize(
    ("content", "what"),
    [(b"%PDF-1.7\n...", "PDF"), (b"\x89PNG\r\n\x1a\n....", "PNG"), (b"NIK,Nama\x00\x01\x02", "binary")],
)
def test_other_files_disguised_as_csv(tmp_path: Path, content: bytes, what: str) -> None:
    path = tmp_path / "daftar.csv"
    path.write_bytes(content)
    with pytest.raises(UnsupportedFileTypeError, match=what):
        open_table(path)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(UnsupportedFileTypeError, match="Word"):
        open_table(path)


def test_corrupt_xlsx(tmp_path: Path) -> None:
    good = write_xlsx_openpyxl(tmp_path / "good.xlsx", [["NIK", "Nama"], [NIK, "Budi"]])
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[:-200])
    flipped = tmp_path / "flipped.xlsx"
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 10] ^= 0xFF  # damage the compressed sheet: bad deflate data or bad CRC
    flipped.write_bytes(bytes(data))
    for path in (truncated, flipped):
        with pytest.raises(CorruptFileError):
            read_through(path)


def _workbook_zip(path: Path, sheet_xml: bytes) -> Path:
    """A minimal workbook with the given sheet XML (deflated)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def test_zip_bomb_small_file_huge_declared_content(tmp_path: Path) -> None:
    path = _workbook_zip(tmp_path / "bomb.xlsx", b"<sheetData>" + b" " * (64 * 2**20) + b"</sheetData>")
    assert path.stat().st_size < 200_000
    with pytest.raises(ZipBombError) as caught:
        open_table(path)
    assert caught.value.http_status == 413
    with pytest.raises(ZipBombError):
        open_table(path, limits=Limits(max_compression_ratio=10_000, max_decompressed_bytes=2**20))


def test_zip_bomb_that_lies_about_its_size(tmp_path: Path) -> None:
    """The headers claim 1,000 bytes; the deflate stream inflates to 4 MiB. Python's zipfile would silently
    stop at 1,000 bytes, calamine would not stop at all."""
    payload = b"<sheetData>" + b" " * (4 * 2**20)
    path = _workbook_zip(tmp_path / "liar.xlsx", payload)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    fake_size, fake_crc = 1000, zlib.crc32(payload[:1000])
    struct.pack_into("<III", data, info.header_offset + 14, fake_crc, info.compress_size, fake_size)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == info.filename.encode():
            struct.pack_into("<III", data, central + 16, fake_crc, info.compress_size, fake_size)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    with pytest.raises(ZipBombError, match="declared"):
        open_table(path)


def test_xlsx_data_on_a_later_sheet_after_an_instructions_sheet(tmp_path: Path) -> None:
    path = tmp_path / "anggota.xlsx"
    workbook = openpyxl.Workbook()
    instructions = workbook.active
    assert instructions is not None
    instructions.title = "Petunjuk"
    instructions.append(["Isi NIK 16 digit sebagai teks; kolom Nama wajib diisi."])
    data = workbook.create_sheet("Data Anggota")
    data.append(["NIK", "Nama"])
    data.append([NIK, "Siti Aminah"])
    workbook.save(path)
    with open_table(path, kind="list") as table:
        assert table.sheet_name == "Data Anggota"
        assert [(row.line, row.cells) for row in rows_of(table)] == [(2, (NIK, "Siti Aminah"))]
    with pytest.raises(HeaderNotFoundError):  # a sheet named explicitly is not second-guessed
        open_table(path, sheet="Petunjuk")


def test_header_not_found_names_the_expected_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(HeaderNotFoundError) as caught:
        open_table(path)
    assert "NIK" in caught.value.message
    assert isinstance(caught.value, IngestError)


def test_ingest_package_imports_no_database_or_web_layer() -> None:
    code = (
        "import sys, app.ingest\n"
        "import app.ingest.errors, app.ingest.limits, app.ingest.formats, app.ingest.headers\n"
        "import app.ingest.csv_reader, app.ingest.xlsx_reader, app.ingest.table\n"
        "import app.ingest.values, app.ingest.rules, app.ingest.entries\n"
        "bad = {'fastapi', 'sqlalchemy', 'sqlmodel', 'app.db', 'app.models'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
