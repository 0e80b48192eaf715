"""Helpers that write real files with the libraries people's spreadsheets come from."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import xlsxwriter

Cell = str | int | float | dt.date | dt.datetime | None


def write_csv(
    path: Path, rows: Sequence[Sequence[object]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx_openpyxl(path: Path, rows: Sequence[Sequence[Cell]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def write_xlsx_xlsxwriter(path: Path, rows: Sequence[Sequence[Cell]], *, first_column: int = 0) -> Path:
    """Numbers go into numeric cells, strings into text cells, dates into date-formatted cells."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Data")
    date_format = workbook.add_format({"num_format": "dd-mm-yyyy"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            column = c + first_column
            if value is None:
                continue
            if isinstance(value, dt.datetime | dt.date):
                stamp = (
                    value
                    if isinstance(value, dt.datetime)
                    else dt.datetime(value.year, value.month, value.day)
                )
                sheet.write_datetime(r, column, stamp, date_format)
            elif isinstance(value, int | float):
                sheet.write_number(r, column, value)
            else:
                sheet.write_string(r, column, value)
    workbook.close()
    return path
