"""Cells written to CSV or XLSX files people open in a spreadsheet.

One rule for every export (findings, rejected rows in the API and the web UI), so a file's cells are
defused the same way wherever it is downloaded.
"""

from __future__ import annotations

# OWASP "CSV injection": a spreadsheet treats a cell starting with these as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: str) -> str:
    """Defuse spreadsheet formulas (CSV/formula injection): prefix a quote to cells a spreadsheet would run.

    >>> escape_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> escape_cell("Siti")
    'Siti'
    """
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value
