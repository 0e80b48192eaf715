"""Readers against real files written by csv, openpyxl and xlsxwriter."""

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
from unittest import mock

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ingest import readers
from app.ingest.readers import (
    ColumnMappingError,
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    FileTooLargeError,
    HeaderNotFoundError,
    IngestError,
    LegacyXlsError,
    Limits,
    LineTooLongError,
    MissingColumnError,
    TooManyColumnsError,
    UnsupportedFileTypeError,
    ZipBombError,
    field_for_header,
    open_table,
)
from tests.ingest.conftest import write_csv, write_xlsx_openpyxl, write_xlsx_xlsxwriter

NIK = "3271050101850001"


def read_all(path: Path, **kwargs: object) -> tuple[dict[str, int], list[tuple[int, tuple[object, ...]]]]:
    with open_table(path, **kwargs) as table:  # type: ignore[arg-type]
        return dict(table.columns.fields), [(row.line, row.cells) for row in table]


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
        rows = list(table)
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
        fast_rows = [(r.line, [c or None for c in r.cells], r.is_blank()) for r in fast]
        slow_rows = [(r.line, [c or None for c in r.cells], r.is_blank()) for r in slow]
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
        assert table.columns.headers[0] == "NIK"  # no BOM glued to the first header
        rows = list(table)
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
        assert [row.cells[1] for row in table] == ["René Café"]


def test_csv_late_cp1252_byte_after_a_utf8_sample_does_not_crash(tmp_path: Path) -> None:
    rows: list[list[str]] = [["NIK", "Nama"]] + [[NIK, f"Budi Santoso {i}"] for i in range(5000)]
    path = write_csv(tmp_path / "mixed.csv", rows)
    with path.open("ab") as handle:
        handle.write(f"{NIK},Ren".encode() + b"\xe9\r\n")  # cp1252 é, past the 64 KiB sample
    assert path.stat().st_size > 64 * 1024
    with open_table(path) as table:
        assert table.encoding == "utf-8"
        last = list(table)[-1]
    assert last.cells == (NIK, "René")
    assert last.line == 5002


def test_csv_utf16_tab_separated_unicode_text_export(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + f"NIK\tNama\r\n{NIK}\tRené\r\n".encode("utf-16-le"))
    with open_table(path) as table:
        assert (table.encoding, table.delimiter) == ("utf-16", "\t")
        assert [row.cells for row in table] == [(NIK, "René")]


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
    """Records and their first physical line, one ``next()`` at a time (what the block reader must equal)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, previous_end = [], 0
    for record in reader:
        rows.append((previous_end + 1, tuple(record)))
        previous_end = reader.line_num
    return rows


_CSV_PIECES = st.sampled_from(["a", "Budi", NIK, ";", ",", '"', '""', "\n", "\r\n", "\r", " ", "é", "x" * 9])


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(_CSV_PIECES, max_size=60).map("".join),
    block=st.integers(1, 12),
    delimiter=st.sampled_from([";", ","]),
)
def test_csv_blocks_parse_exactly_like_one_record_at_a_time(text: str, block: int, delimiter: str) -> None:
    """Blocks of any size, ending anywhere (inside quotes, between "\\r" and "\\n"), change nothing."""
    with mock.patch.object(readers, "_BLOCK_CHARS", block):
        got = [
            (row.line, row.cells)
            for row in readers._csv_rows(io.StringIO(text, newline=""), delimiter, Limits())
        ]
    assert got == _reference_rows(text, delimiter)


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
        list(open_table(long_line, limits=Limits(max_line_chars=1000)))

    unclosed = tmp_path / "quote.csv"
    unclosed.write_text("NIK,Nama\n" + NIK + ',"Budi\n' + "\n".join(f"{NIK},x" for _ in range(200)))
    with pytest.raises(LineTooLongError, match="quote"):
        list(open_table(unclosed, limits=Limits(max_field_chars=500)))

    long_field = tmp_path / "field.csv"
    long_field.write_text("NIK,Nama\n" + NIK + ",Budi\n" + NIK + "," + "x" * 600 + "\n")
    with pytest.raises(LineTooLongError, match="field on line 3"):
        list(open_table(long_field, limits=Limits(max_field_chars=500)))

    wide_row = tmp_path / "wide_row.csv"
    wide_row.write_text("NIK,Nama\n" + NIK + ",Budi\n" + NIK + ",Budi" + ",x" * 300 + "\n")
    with pytest.raises(TooManyColumnsError, match="Line 3"):
        list(open_table(wide_row))

    wide = write_csv(tmp_path / "wide.csv", [["NIK", "Nama", *["x"] * 300], [NIK, "Budi"]])
    with pytest.raises(TooManyColumnsError):
        list(open_table(wide))


def test_xlsx_content_beyond_the_column_limit(tmp_path: Path) -> None:
    path = write_xlsx_openpyxl(
        tmp_path / "wide.xlsx", [["NIK", "Nama"], [NIK, "Budi", *[None] * 40, "stray"]]
    )
    with pytest.raises(TooManyColumnsError):
        list(open_table(path, limits=Limits(max_columns=20)))
    with pytest.raises(TooManyColumnsError):
        list(open_table(path, limits=Limits(max_columns=20, max_cells_in_memory=1)))


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
            list(open_table(path))


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
        assert [(row.line, row.cells) for row in table] == [(2, (NIK, "Siti Aminah"))]
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
        "import sys, app.ingest.readers, app.ingest.rows\n"
        "bad = {'fastapi', 'sqlalchemy', 'sqlmodel', 'app.db', 'app.models'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
