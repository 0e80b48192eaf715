"""Column expressions that read one kind of value (NIK, NIP, birth date, gender, text) out of raw cells.

Each parser takes the names of a cell's text column (``str()`` of the cell, null when empty) and, for
workbooks, its type column (:data:`app.ingest.xlsx_reader.CELL_TYPES`), and returns :class:`Stages`: named
columns to add in order, each stage referring only to columns of the stages before it (one deep expression
per column would make Polars plan the same sub-expression over and over). The rules are those of
:func:`matching.nik.parse_nik` and :func:`matching.nip.parse_nip` and of the birth-date formats Indonesian
lists use; ``tests/ingest/reference.py`` holds the same rules one value at a time, and a property test
compares the two on generated messy values.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from app.ingest.xlsx_reader import BOOL, DATE, DATETIME, FLOAT, INT, TEXT
from matching.nik import QUOTES, SIXTEEN_DIGITS_SHOWN, WHITESPACE, century_pivot
from matching.regions import known_district_codes

__all__ = [
    "MONTHS",
    "YOUNGEST_AGE",
    "Stages",
    "birth_date",
    "cell_text",
    "clean_text",
    "decode_nik",
    "gender",
    "is_blank",
    "nik",
    "nip",
    "split_place_date",
]

Stages = list[dict[str, pl.Expr]]
"""Columns to add, stage after stage (``frame.with_columns(**stage)`` for each)."""

# Python's whitespace, not Rust's (they differ in four control characters), so both read cells alike.
_WS_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"
_SEPARATORS = "(?:" + _WS_CLASS[:-1] + r".\-_/])+"
_SCIENTIFIC = r"^[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+$"
_DECIMAL_ZERO = r"[.,]0+$"
_PLACEHOLDER_NUMBERS = (1234567890123456, 123456789012345, 9876543210987654)
_REPDIGIT = 1111111111111111
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's 1900 date system, as counted after its 1900 leap-year bug
_LAST_EXCEL_SERIAL = 2_958_466  # 9999-12-31
YOUNGEST_AGE = 17
"""Voters (and so party members and candidates' supporters) are at least 17; civil servants older still."""

MONTHS = {
    **dict.fromkeys(("januari", "jan", "january"), 1),
    **dict.fromkeys(("februari", "pebruari", "feb", "peb", "february"), 2),
    **dict.fromkeys(("maret", "mar", "march"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6),
    **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("agustus", "agu", "agt", "ags", "aug", "august"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "okt", "oct", "october"), 10),
    **dict.fromkeys(("november", "nov", "nop", "nopember"), 11),
    **dict.fromkeys(("desember", "des", "dec", "december"), 12),
}
DMY = r"^([0-9]{1,2})[-/. ]([0-9]{1,2})[-/. ]([0-9]{4}|[0-9]{2})$"
YMD = r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$"
D_MONTH_Y = r"^([0-9]{1,2})[-/. ]+([a-z]+)\.?[-/. ,]+([0-9]{4}|[0-9]{2})$"
TRAILING_TIME = r"[ t][0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2}(?:\.[0-9]+)?)?$"
"""A time after the date ("1985-03-12 00:00:00", "1985-03-12T08:15"), as exports write datetimes."""

MALE_WORDS = ("L", "LK", "LAKILAKI", "LAKI", "PRIA", "M", "MALE", "COWOK")
FEMALE_WORDS = ("P", "PR", "PEREMPUAN", "WANITA", "W", "F", "FEMALE", "CEWEK")


def _col(name: str | None, *, dtype: pl.DataType = pl.String()) -> pl.Expr:
    return pl.col(name) if name is not None else pl.lit(None, dtype=dtype)


def _kind(name: str | None) -> pl.Expr:
    return pl.col(name) if name is not None else pl.lit(TEXT, dtype=pl.UInt8)


def cell_text(text: pl.Expr, kind: pl.Expr | None = None) -> pl.Expr:
    """A cell as the text a person would see: stripped, and a whole float without its ``.0``; "" if empty."""
    stripped = text.str.strip_chars(WHITESPACE).fill_null("")
    if kind is None:
        return stripped
    number = text.cast(pl.Float64, strict=False)
    whole = number.is_finite() & (number == number.floor())
    return (
        pl.when((kind == FLOAT) & whole)
        .then(number.cast(pl.Int128, strict=False).cast(pl.String).fill_null(stripped))
        .otherwise(stripped)
    )


def clean_text(text: str | None, kind: str | None, out: str) -> Stages:
    """A text field: stripped, runs of whitespace inside made one space when they hold more than one space
    or a tab or line break; null when nothing is left."""
    if text is None:
        return [{out: pl.lit(None, dtype=pl.String)}]
    shown = f"{out}__shown"
    collapse = pl.col(shown).str.contains(r"  |[\t\n\r]")
    joined = (
        pl.when(collapse).then(pl.col(shown).str.replace_all(_WS_CLASS + "+", " ")).otherwise(pl.col(shown))
    )
    return [
        {shown: cell_text(pl.col(text), _kind(kind) if kind is not None else None)},
        {out: pl.when(pl.col(shown) == "").then(None).otherwise(joined)},
    ]


def is_blank(texts: list[str], kinds: list[str | None]) -> pl.Expr:
    """Every cell empty or only whitespace (a number, date or boolean cell is content)."""
    if not texts:
        return pl.lit(True)
    empty = [
        (pl.col(text).is_null() | (pl.col(text).str.strip_chars(WHITESPACE) == "")) & (_kind(kind) == TEXT)
        for text, kind in zip(texts, kinds, strict=True)
    ]
    return pl.all_horizontal(empty)


def _clean_identifier(text: pl.Expr, out: str) -> Stages:
    """The cleaning :func:`matching.nik.clean_identifier` does: invisible format characters out, surrounding
    spaces and quotes out, and the ``="…"`` formula that CSV exports for Excel write around a number."""
    visible = (
        pl.when(text.str.contains(r"[^\x00-\x7f]")).then(text.str.replace_all(r"\p{Cf}", "")).otherwise(text)
    )
    trimmed = f"{out}__trimmed"
    formula = pl.col(trimmed).str.starts_with('="') & pl.col(trimmed).str.ends_with('"')
    return [
        {trimmed: visible.str.strip_chars(WHITESPACE)},
        {
            out: pl.when(formula)
            .then(pl.col(trimmed).str.slice(1))
            .otherwise(pl.col(trimmed))
            .str.strip_chars(QUOTES + WHITESPACE)
        },
    ]


def _date_ok(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = (
        pl.when(month == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    return (year.is_between(1, 9999) & month.is_between(1, 12) & (day >= 1) & (day <= last)).fill_null(False)


def _make_date(year: pl.Expr, month: pl.Expr, day: pl.Expr, *, ok: pl.Expr | None = None) -> pl.Expr:
    """The date, or null where the parts are no date (``pl.date`` itself refuses them loudly)."""
    ok = _date_ok(year, month, day) if ok is None else ok
    safe = pl.date(
        pl.when(ok).then(year).otherwise(2000),
        pl.when(ok).then(month).otherwise(1),
        pl.when(ok).then(day).otherwise(1),
    )
    return pl.when(ok).then(safe).otherwise(None)


def _int(text: pl.Expr, start: int, length: int) -> pl.Expr:
    return text.str.slice(start, length).cast(pl.Int32, strict=False)


# ------------------------------------------------------------------------------------------------ NIK


def nik(text: str | None, kind: str | None, out: str) -> Stages:
    """Parse NIK cells; the same outcome as :func:`matching.nik.parse_nik` on each value.

    Adds ``{out}_raw`` (``str()`` of the cell, "" when empty), ``{out}_digits`` (16 digits when the value is
    a NIK, flagged or not), ``{out}_rejection`` (``empty``, ``non_digit``, ``wrong_length`` or
    ``scientific_notation``), ``{out}_message`` (why, in English), ``{out}_numeric`` (from a numeric cell
    or written as a ``.0`` number: a last 0 may be Excel's) and ``{out}_shown`` (the district a NIK in
    scientific notation still shows, :func:`matching.nik.scientific_prefix`).
    """
    raw, k = _col(text), _kind(kind)
    number, as_text, cleaned = f"{out}__number", f"{out}__text", f"{out}__cleaned"
    decimal, digits, lost = f"{out}__decimal", f"{out}__all_digits", f"{out}__lost"
    n = pl.col(number)
    whole = n.is_finite() & (n == n.floor()) & (n < 1e16)
    stages: Stages = [
        {number: pl.when(k == FLOAT).then(raw.cast(pl.Float64, strict=False))},
    ]
    stages.append(
        {
            # A whole float keeps its digits; an int cell is its digits. Everything else is read as text.
            as_text: pl.when(whole.fill_null(False))
            .then(n.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(raw.fill_null("")),
            lost: ((k == FLOAT) & n.is_finite() & ~whole).fill_null(False),
        }
    )
    stages += _clean_identifier(pl.col(as_text), cleaned)
    c = pl.col(cleaned)
    stages.append(
        {decimal: c.str.contains(_DECIMAL_ZERO) & c.str.replace(_DECIMAL_ZERO, "").str.contains(r"^[0-9]+$")}
    )
    stages.append(
        {
            digits: pl.when(pl.col(decimal))
            .then(c.str.replace(_DECIMAL_ZERO, ""))
            .otherwise(c)
            .str.replace_all(_SEPARATORS, "")
        }
    )
    d = pl.col(digits)
    rejection = (
        pl.when(k == BOOL)
        .then(pl.lit("non_digit"))
        .when((k == FLOAT) & ~n.is_finite().fill_null(True))
        .then(pl.lit("non_digit"))
        .when(pl.col(lost))
        .then(pl.lit("scientific_notation"))
        .when(c == "")
        .then(pl.lit("empty"))
        .when(c.str.contains(_SCIENTIFIC))
        .then(pl.lit("scientific_notation"))
        .when(~d.str.contains(r"^[0-9]+$"))
        .then(pl.lit("non_digit"))
        .when(d.str.len_bytes() != 16)
        .then(pl.lit("wrong_length"))
        .otherwise(None)
    )
    stages.append({f"{out}_rejection": rejection})
    r = pl.col(f"{out}_rejection")
    message = (
        pl.when(r == "empty")
        .then(pl.lit("The NIK is empty."))
        .when(r == "non_digit")
        .then(pl.lit("The NIK contains characters other than digits."))
        .when((r == "scientific_notation") & pl.col(lost))
        .then(pl.lit("The NIK was stored as a floating-point number and its digits cannot be recovered."))
        .when(r == "scientific_notation")
        .then(
            pl.lit(
                "The NIK is in scientific notation (Excel showed it as a number); its digits are lost and "
                "cannot be recovered."
            )
        )
        .when(r == "wrong_length")
        .then(pl.format("The NIK has {} digits instead of 16.", d.str.len_chars()))
        .otherwise(None)
    )
    stages.append(
        {
            f"{out}_raw": raw.fill_null(""),
            f"{out}_digits": pl.when(r.is_null()).then(d).otherwise(None),
            f"{out}_message": message,
            f"{out}_numeric": k.is_in([INT, FLOAT]) | pl.col(decimal),
            f"{out}_shown": pl.when(r == "scientific_notation").then(_shown_district(c)),
        }
    )
    return stages


def _shown_district(cleaned: pl.Expr) -> pl.Expr:
    """Six leading digits of a 16-digit number in scientific notation, when they or the district before
    them (Excel rounds) are a known district."""
    first, rest = (cleaned.str.extract(SIXTEEN_DIGITS_SHOWN, group) for group in (1, 2))
    shown = pl.concat_str([first, rest.fill_null(""), pl.lit("00000")]).str.slice(0, 6)
    known = pl.Series(sorted(known_district_codes()), dtype=pl.Int64).implode()
    code = shown.cast(pl.Int64, strict=False)
    return pl.when(code.is_in(known) | (code - 1).is_in(known)).then(shown)


def decode_nik(digits: str, out: str) -> Stages:
    """What 16 NIK digits say, as :mod:`matching.nik` reads them: ``{out}_value`` (int64),
    ``{out}_placeholder``, ``{out}_unknown_region``, ``{out}_impossible_birth_date``, ``{out}_serial_zero``,
    the birth date's ``{out}_day`` (women's day minus 40), ``{out}_month`` and ``{out}_year`` (with its
    century), and ``{out}_gender``; null where ``digits`` is."""
    value = pl.col(f"{out}_value")
    raw_day, month, year2 = (pl.col(f"{out}__{part}") for part in ("raw_day", "month", "year2"))
    male, female = raw_day.is_between(1, 31), raw_day.is_between(41, 71)
    known = pl.Series(sorted(known_district_codes()), dtype=pl.Int64)
    return [
        {f"{out}_value": pl.col(digits).cast(pl.Int64, strict=False)},
        {
            f"{out}__raw_day": (value // 10**8 % 100).cast(pl.Int32),
            f"{out}__month": (value // 10**6 % 100).cast(pl.Int32),
            f"{out}__year2": (value // 10**4 % 100).cast(pl.Int32),
            f"{out}_serial_zero": value % 10**4 == 0,
            f"{out}_placeholder": ((value % _REPDIGIT) == 0) | value.is_in(list(_PLACEHOLDER_NUMBERS)),
            f"{out}_unknown_region": ~(value // 10**10).is_in(known.implode()),
        },
        {
            f"{out}_day": pl.when(female).then(raw_day - 40).otherwise(raw_day),
            f"{out}_month": month,
            f"{out}_year": pl.when(year2 <= century_pivot()).then(2000 + year2).otherwise(1900 + year2),
            f"{out}_gender": pl.when(male).then(pl.lit("M")).when(female).then(pl.lit("F")),
            f"{out}__sexed": male | female,
        },
        {
            f"{out}_impossible_birth_date": ~(
                pl.col(f"{out}__sexed")
                & _date_ok(pl.col(f"{out}_year"), pl.col(f"{out}_month"), pl.col(f"{out}_day"))
            ),
        },
    ]


# ------------------------------------------------------------------------------------------------ NIP


def nip(text: str | None, kind: str | None, out: str) -> Stages:
    """Parse NIP cells; the same outcome as :func:`matching.nip.parse_nip` on each value.

    Adds ``{out}_digits`` (18 digits when the value has the NIP layout), ``{out}_rejection``,
    ``{out}_message``, ``{out}_birth_date`` and ``{out}_gender``.
    """
    raw, k = _col(text), _kind(kind)
    number, cleaned, digits = f"{out}__number", f"{out}__cleaned", f"{out}__all_digits"
    numeric = f"{out}__numeric"
    n = pl.col(number)
    stages: Stages = [{number: pl.when(k == FLOAT).then(raw.cast(pl.Float64, strict=False))}]
    # Excel keeps 15 significant digits of a number, and a NIP's first 15 are birth date, appointment and
    # gender: only the serial is lost, so a whole number of 18 digits keeps the rest (rounded to 15 digits;
    # a float that large is a multiple of 32, so its quotient by 1,000 is never a tie).
    stages.append(
        {
            numeric: ((k == FLOAT) & n.is_finite() & (n == n.floor()) & (n >= 1e17) & (n < 1e18)).fill_null(
                False
            )
        }
    )
    stages += _clean_identifier(raw.fill_null(""), cleaned)
    c = pl.col(cleaned)
    unpointed = pl.when(c.str.ends_with(".0")).then(c.str.slice(0, c.str.len_chars() - 2)).otherwise(c)
    stages.append(
        {
            digits: pl.when(pl.col(numeric))
            .then((n / 1000).round(0).cast(pl.Int64, strict=False).cast(pl.String) + "000")
            .otherwise(unpointed.str.replace_all(_SEPARATORS, ""))
        }
    )
    d = pl.col(digits)
    marker = _int(d, 12, 2)
    num = pl.col(numeric)
    rejection = (
        pl.when((k == FLOAT) & ~num)
        .then(pl.lit("scientific_notation"))
        .when(~num & (c == ""))
        .then(pl.lit("empty"))
        .when(~num & c.str.contains(_SCIENTIFIC))
        .then(pl.lit("scientific_notation"))
        .when(~d.str.contains(r"^[0-9]+$"))
        .then(pl.lit("non_digit"))
        .when(d.str.len_bytes() != 18)
        .then(pl.lit("wrong_length"))
        .when(~(marker.is_between(21, 29) | marker.is_between(1, 12)))
        .then(pl.lit("unknown_layout"))
        .otherwise(None)
    )
    stages.append({f"{out}_rejection": rejection})
    r = pl.col(f"{out}_rejection")
    message = (
        pl.when(r == "empty")
        .then(pl.lit("The NIP is empty."))
        .when((r == "scientific_notation") & (k == FLOAT))
        .then(pl.lit("The NIP was stored as a number; its digits are lost."))
        .when(r == "scientific_notation")
        .then(pl.lit("The NIP is in scientific notation; its digits are lost."))
        .when(r == "non_digit")
        .then(pl.lit("The NIP contains characters other than digits."))
        .when(r == "wrong_length")
        .then(pl.format("The NIP has {} digits instead of 18.", d.str.len_chars()))
        .when(r == "unknown_layout")
        .then(pl.lit("Digits 13-14 of the NIP are neither a month (PNS) nor 21-29 (PPPK)."))
        .otherwise(None)
    )
    ok = r.is_null()
    gender_digit = d.str.slice(14, 1)
    stages.append(
        {
            f"{out}_digits": pl.when(ok).then(d),
            f"{out}_message": message,
            f"{out}_birth_date": pl.when(ok).then(_make_date(_int(d, 0, 4), _int(d, 4, 2), _int(d, 6, 2))),
            f"{out}_gender": pl.when(ok & (gender_digit == "1"))
            .then(pl.lit("M"))
            .when(ok & (gender_digit == "2"))
            .then(pl.lit("F")),
        }
    )
    return stages


# ------------------------------------------------------------------------------------------------ dates


def _full_year(year: pl.Expr, today: dt.date) -> tuple[pl.Expr, pl.Expr]:
    """Four digits as written; two in the latest century where the person is at least YOUNGEST_AGE."""
    latest = today.year - YOUNGEST_AGE
    short = year.str.len_bytes() == 2
    number = year.cast(pl.Int32, strict=False)
    return pl.when(short).then(latest - (latest - number) % 100).otherwise(number), short


def _in_range(date: pl.Expr, today: dt.date) -> pl.Expr:
    return date.is_between(dt.date(1900, 1, 1), today).fill_null(False)


def birth_date_text(text: str, today: dt.date, out: str) -> Stages:
    """Birth dates written as text, into ``{out}_date``, ``{out}_month_first`` and ``{out}_century_guessed``.

    Accepted: dd-mm-yyyy, dd/mm/yyyy, dd.mm.yyyy, yyyy-mm-dd (with or without a time), ddmmyyyy / yyyymmdd,
    and month names in Indonesian or English ("17 Agustus 1985", "17-Agt-85"). Indonesian order is day first;
    a value that only makes sense month first (08/17/1985, from an English-locale Excel) is read month first
    and flagged. Dates before 1900 or after ``today`` are no date.
    """

    def name(part: str) -> str:
        return f"{out}__{part}"

    def col(part: str) -> pl.Expr:
        return pl.col(name(part))

    x = col("value")

    def group(found: str, number: str) -> pl.Expr:
        return col(found).struct.field(number)

    stages: Stages = [
        {
            name("value"): pl.col(text)
            .str.strip_chars(WHITESPACE)
            .str.to_lowercase()
            .str.replace(TRAILING_TIME, "")
            .str.strip_chars(WHITESPACE)
        },
        {
            name("dmy"): x.str.extract_groups(DMY),
            name("ymd"): x.str.extract_groups(YMD),
            name("named"): x.str.extract_groups(D_MONTH_Y),
            name("eight"): x.str.contains(r"^[0-9]{8}$"),
        },
    ]
    y1, guessed1 = _full_year(group("dmy", "3"), today)
    y3, guessed3 = _full_year(group("named", "3"), today)
    stages.append(
        {
            name("d1"): group("dmy", "1").cast(pl.Int32),
            name("m1"): group("dmy", "2").cast(pl.Int32),
            name("y1"): y1,
            name("g1"): guessed1,
            name("y2"): group("ymd", "1").cast(pl.Int32),
            name("m2"): group("ymd", "2").cast(pl.Int32),
            name("d2"): group("ymd", "3").cast(pl.Int32),
            name("d3"): group("named", "1").cast(pl.Int32),
            name("m3"): group("named", "2").replace_strict(MONTHS, default=None, return_dtype=pl.Int32),
            name("y3"): y3,
            name("g3"): guessed3,
            name("century"): x.str.slice(0, 2).is_in(["19", "20"]),
            name("yf"): _int(x, 0, 4),
            name("mf"): _int(x, 4, 2),
            name("df"): _int(x, 6, 2),
            name("ys"): _int(x, 4, 4),
            name("ms"): _int(x, 2, 2),
            name("ds"): _int(x, 0, 2),
        }
    )
    d1, m1, y1c = col("d1"), col("m1"), col("y1")
    stages.append(
        {
            name("straight"): _date_ok(y1c, m1, d1),
            name("swapped"): (d1 <= 12) & (m1 > 12) & _date_ok(y1c, d1, m1),
            name("ok_ymd"): _date_ok(col("y2"), col("m2"), col("d2")),
            name("ok_named"): _date_ok(col("y3"), col("m3"), col("d3")),
            name("ok_yf"): col("century") & _date_ok(col("yf"), col("mf"), col("df")),
            name("ok_ys"): _date_ok(col("ys"), col("ms"), col("ds")),
        }
    )
    is_dmy, is_ymd, is_named = (group(found, "1").is_not_null() for found in ("dmy", "ymd", "named"))
    choices = [
        (is_dmy & col("straight"), ("y1", "m1", "d1"), col("g1")),
        (is_dmy & col("swapped"), ("y1", "d1", "m1"), col("g1")),
        (~is_dmy & is_ymd & col("ok_ymd"), ("y2", "m2", "d2"), pl.lit(False)),
        (~is_dmy & ~is_ymd & is_named & col("ok_named"), ("y3", "m3", "d3"), col("g3")),
        (~is_dmy & ~is_ymd & ~is_named & col("eight") & col("ok_yf"), ("yf", "mf", "df"), pl.lit(False)),
        (~is_dmy & ~is_ymd & ~is_named & col("eight") & col("ok_ys"), ("ys", "ms", "ds"), pl.lit(False)),
    ]

    def pick(index: int) -> pl.Expr:
        # The conditions exclude each other but for the two readings of eight digits, where the first wins.
        return pl.coalesce(
            pl.when(condition).then(col(parts[index]) if index < 3 else guessed)
            for condition, parts, guessed in choices
        )

    stages.append({name("y"): pick(0), name("m"): pick(1), name("d"): pick(2), name("g"): pick(3)})
    stages.append({name("found"): _make_date(col("y"), col("m"), col("d"), ok=col("y").is_not_null())})
    ok = _in_range(col("found"), today)
    stages.append(
        {
            f"{out}_date": pl.when(ok).then(col("found")),
            f"{out}_month_first": ok & is_dmy & ~col("straight"),
            f"{out}_century_guessed": ok & col("g").fill_null(False),
        }
    )
    return stages


def birth_date(text: str, kind: str | None, today: dt.date, out: str) -> Stages:
    """Birth dates from any cell: text (see :func:`birth_date_text`), date cells, and Excel serial numbers
    (a date cell formatted as General)."""
    textual = f"{out}__text"
    stages = birth_date_text(text, today, textual)
    if kind is None:
        return [
            *stages,
            {
                f"{out}_{name}": pl.col(f"{textual}_{name}")
                for name in ("date", "month_first", "century_guessed")
            },
        ]
    k = pl.col(kind)
    number = pl.col(text).cast(pl.Float64, strict=False)
    numeric = k.is_in([INT, FLOAT])
    serial = f"{out}__serial"
    stages.append(
        {
            serial: pl.when(
                numeric & number.is_finite() & (number >= 1) & (number < _LAST_EXCEL_SERIAL)
            ).then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=number.floor().cast(pl.Int64)))
        }
    )
    as_text = k.is_in([TEXT, DATE, DATETIME])
    stages.append(
        {
            f"{out}_date": pl.when(numeric)
            .then(pl.when(_in_range(pl.col(serial), today)).then(pl.col(serial)))
            .when(as_text)
            .then(pl.col(f"{textual}_date")),
            f"{out}_month_first": as_text & pl.col(f"{textual}_month_first"),
            f"{out}_century_guessed": as_text & pl.col(f"{textual}_century_guessed"),
        }
    )
    return stages


def split_place_date(text: str, out: str) -> Stages:
    """A "TTL" cell ("Bandung, 17-08-1985") as ``{out}_place`` and ``{out}_date`` (null when absent): the date
    starts at the first digit, so place names with commas or spaces survive."""
    parts = f"{out}__parts"
    has_date = pl.col(parts).struct.field("2").is_not_null()
    place = (
        pl.when(has_date)
        .then(pl.col(parts).struct.field("1").str.strip_chars(" ,;/-\t"))
        .otherwise(pl.col(text).str.strip_chars(WHITESPACE))
    )
    return [
        {parts: pl.col(text).str.extract_groups(r"(?s)^([^0-9]*)([0-9].*)$")},
        {
            f"{out}_place": pl.when(place == "").then(None).otherwise(place),
            f"{out}_date": pl.when(has_date).then(
                pl.col(parts).struct.field("2").str.strip_chars(WHITESPACE)
            ),
        },
    ]


def gender(text: str | None, kind: str | None, out: str) -> Stages:
    """``{out}``: ``"M"``/``"F"`` from L/P, Laki-laki/Perempuan, Pria/Wanita, M/F; ``{out}_unknown`` when the
    cell holds something else."""
    if text is None:
        return [{out: pl.lit(None, dtype=pl.String), f"{out}_unknown": pl.lit(False)}]
    shown = f"{out}__shown"
    letters = pl.col(shown).str.normalize("NFKD").str.to_uppercase().str.replace_all("[^A-Z]", "")
    return [
        {shown: cell_text(pl.col(text), pl.col(kind) if kind is not None else None)},
        {
            out: pl.when(letters.is_in(MALE_WORDS))
            .then(pl.lit("M"))
            .when(letters.is_in(FEMALE_WORDS))
            .then(pl.lit("F"))
        },
        {f"{out}_unknown": pl.col(out).is_null() & (pl.col(shown) != "")},
    ]
