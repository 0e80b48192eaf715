"""Decide every row of a batch at once: accepted (perhaps flagged), rejected with its reason, or blank.

Nothing is dropped silently: every row after the header is accepted, rejected with a reason code and its line
number, or, when every cell is empty, counted as ``blank``. The rules, and why:

* A name is always required: a finding is reviewed by a person, who needs to see who it is about.
* A roster row needs a usable NIK *or* a valid NIP. An unusable NIK next to a valid NIP keeps the row, flagged
  ``nik_<why>``, because the matcher can still reach that civil servant through the NIP's birth date.
* A list row needs a usable NIK *or* a birth date: without a NIK the matcher can still pair it by name +
  birth date + regency, but without both it can never produce a finding, so it is rejected with the NIK's
  reason. A NIK in scientific notation that still shows a known district (``3.20426E+15``) is enough
  too: the district and the name may still find the person (``nik_district_name``).
* Excel damage (scientific notation, a float NIK) is a rejection of the NIK; a numeric-cell NIK ending in 0 is
  kept and flagged ``possibly_truncated`` (Excel keeps 15 significant digits), see :mod:`matching.nik`.
* The same usable NIK twice in one file: the later line is rejected, citing the first. Placeholders
  (``2222222222222222``) and possibly-truncated NIKs are exempt, because different people share them: the
  later ones are flagged ``possible_duplicate`` instead.
* An unparseable birth date only rejects a row that depends on it (a list row without a usable NIK); otherwise
  it is flagged ``birth_date_unparseable`` and the row kept, because the NIK still identifies the person.
* A two-digit year (17-08-85) is read as the latest century in which the person is at least 17, the
  youngest age on a voter's, party member's or civil servant's record, and flagged
  ``birth_date_century_guessed``.

Each rule is a column expression (:mod:`app.ingest.values`), so a batch of 200,000 rows is decided in one
pass of Polars' engine. Duplicates are found against every NIK seen earlier in the file: one ``int64`` key
and line per distinct NIK (16 bytes each, 32 MB for two million).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

import polars as pl
import polars.selectors as cs

from app.ingest import values as v
from app.ingest.errors import EmptyFileError
from app.ingest.headers import ColumnMap, Kind
from app.ingest.xlsx_reader import TEXT, type_column
from matching.nip import NIP_NIK_CONFLICTS

__all__ = ["ACCEPTED_COLUMNS", "FLAGS", "REASONS", "Checked", "FileRules", "Rejection", "Summary"]

# Reason code → (English, Indonesian). ``{detail}`` is filled from the parser's message where there is one.
REASONS: dict[str, tuple[str, str]] = {
    "missing_name": ("The name is empty.", "Nama kosong."),
    "missing_identifier": (
        "Neither a NIK nor a NIP is given.",
        "NIK dan NIP sama-sama kosong.",
    ),
    "invalid_nip": (
        "The NIK is empty and the NIP is not valid: {detail}",
        "NIK kosong dan NIP tidak sah.",
    ),
    "nik_empty": (
        "The NIK is empty and nothing else can identify the person (a list row needs a birth date).",
        "NIK kosong dan tidak ada data lain untuk mengenali orangnya "
        "(baris daftar memerlukan tanggal lahir).",
    ),
    "nik_non_digit": ("{detail}", "NIK berisi karakter selain angka."),
    "nik_wrong_length": ("{detail}", "Panjang NIK bukan 16 digit."),
    "nik_scientific_notation": (
        "{detail} Format the NIK column as Text in Excel and export again.",
        "NIK rusak oleh Excel (notasi ilmiah, mis. 3.27105E+15); angkanya tidak dapat dipulihkan. "
        "Format kolom NIK sebagai Teks lalu ekspor ulang.",
    ),
    "nik_placeholder": (
        "The NIK is a placeholder, not a real NIK, and nothing else can identify the person.",
        "NIK hanya isian sementara (bukan NIK asli) dan tidak ada data lain untuk mengenali orangnya.",
    ),
    "duplicate_nik": (
        "The NIK already appears on line {first_line}.",
        "NIK yang sama sudah ada pada baris {first_line}.",
    ),
    "birth_date_unparseable": (
        "Without a usable NIK the row needs a birth date, and {detail!r} is not one "
        "(use dd-mm-yyyy, e.g. 17-08-1985).",
        "Tanpa NIK yang sah, baris ini memerlukan tanggal lahir, dan {detail!r} bukan tanggal yang dikenali "
        "(gunakan dd-mm-yyyy, mis. 17-08-1985).",
    ),
}

FLAGS: tuple[str, ...] = tuple(
    sorted(
        {
            "placeholder",
            "unknown_region",
            "impossible_birth_date",
            "serial_zero",
            "possibly_truncated",
            "nik_empty",
            "nik_non_digit",
            "nik_wrong_length",
            "nik_scientific_notation",
            "nip_empty",
            "nip_non_digit",
            "nip_wrong_length",
            "nip_scientific_notation",
            "nip_unknown_layout",
            "undecodable_text",
            "birth_date_month_first",
            "birth_date_century_guessed",
            "birth_date_unparseable",
            "possible_duplicate",
            "gender_unknown",
            "gender_differs_from_nik",
            *(f"nip_nik_{what}_differ" for what in NIP_NIK_CONFLICTS),
        }
    )
)
"""Every flag an accepted row may carry; ``flags`` lists a row's in this (alphabetical) order."""

_NIK_REJECTION_REASON = {
    "empty": "nik_empty",
    "non_digit": "nik_non_digit",
    "wrong_length": "nik_wrong_length",
    "scientific_notation": "nik_scientific_notation",
}
_TEXT_FIELDS = ("unit", "address", "kta", "occupation", "regency", "district", "province")

ACCEPTED_COLUMNS: tuple[str, ...] = (
    "line",
    "name",
    "nik",
    "nik_raw",
    "nik_usable",
    "nik_trusted",
    "nik_gender",
    "possibly_truncated",
    "nip",
    "nip_birth_date",
    "nip_gender",
    "birth_date",
    "birth_place",
    "gender",
    *_TEXT_FIELDS,
    "flags",
)
"""The columns of :attr:`Checked.accepted`. ``nik`` holds the 16 digits of every NIK that parsed (also
placeholders, which are never ``nik_usable``); ``nik_trusted`` says its decoded birth date and gender may be
used as evidence (``nik_gender`` is set only then); ``possibly_truncated`` marks a numeric-cell NIK ending in
0."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A rejected row: where, why (stable ``reason`` code), in English and Indonesian, and what it held."""

    line: int
    reason: str
    message: str
    message_id: str
    raw: tuple[str, ...]
    first_line: int | None = None
    """For ``duplicate_nik``: the line that holds the NIK first."""


@dataclass(slots=True)
class Summary:
    """Counts for the upload's answer. ``accepted + rejected + blank`` is every row after the header."""

    accepted: int = 0
    rejected: int = 0
    blank: int = 0
    flagged: int = 0
    """Accepted rows with at least one flag."""
    reasons: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        return self.accepted + self.rejected + self.blank


@dataclass(slots=True)
class Checked:
    """One batch decided: accepted rows as columns (:data:`ACCEPTED_COLUMNS`), rejections in line order."""

    accepted: pl.DataFrame
    rejections: list[Rejection]
    rows: int
    """Rows of the batch, blank ones included."""


class _SeenNiks:
    """The first line of every NIK seen so far in one file (an ``int64`` key and line per distinct NIK)."""

    def __init__(self) -> None:
        self.seen = pl.DataFrame(schema={"key": pl.Int64, "first": pl.Int64})

    def first_lines(self, rows: pl.DataFrame) -> pl.Series:
        """For rows (``key``, ``line``) in line order, the first line holding the same key, this one
        included (null where the key is null); remembers the keys."""
        key = pl.col("key")
        earlier = key.is_in(self.seen["key"].implode()) if self.seen.height else pl.lit(False)
        marked = rows.with_columns(_new=key.is_first_distinct() & ~earlier & key.is_not_null())
        self.seen = pl.concat([self.seen, marked.filter("_new").select("key", first="line")], rechunk=False)
        repeated = marked.filter(~pl.col("_new") & key.is_not_null())
        first = marked.select(pl.when(key.is_not_null()).then(pl.col("line")).alias("first"))["first"]
        if not repeated.height:  # the usual case: every NIK once
            return first
        # A NIK seen before: the line that first holds it, from the few keys concerned.
        wanted = self.seen.join(repeated.select("key").unique(), on="key", how="semi")
        cited = marked.join(wanted, on="key", how="left", maintain_order="left")["first"]
        return cited.fill_null(first)


class FileRules:
    """The rules for the rows of one file; keeps the per-file state (first line of each NIK) and counts.

    >>> from app.ingest.headers import SourceRow, build_column_map
    >>> columns = build_column_map(SourceRow(1, ("NIK", "Nama", "Tgl Lahir")))
    >>> rules = FileRules(columns, kind="list")
    >>> batch = pl.DataFrame({"line": [2, 3], "c0": ["3271055203850001"] * 2, "c1": ["Siti", "Sity"],
    ...                       "c2": ["12-03-1985", ""]})
    >>> checked = rules.check(batch)
    >>> checked.accepted["nik"].to_list(), [r.reason for r in checked.rejections]
    (['3271055203850001'], ['duplicate_nik'])
    >>> rules.summary.accepted, rules.summary.rejected
    (1, 1)
    """

    def __init__(
        self, columns: ColumnMap, kind: Kind, *, today: dt.date | None = None, storing: bool = True
    ) -> None:
        self.columns = columns
        self.kind = kind
        self.today = today or dt.date.today()
        self.storing = storing
        """Also read what only the tables keep (unit, address, KTA, occupation, district, province, birth
        place, the flags as text); the offline ``netra match`` does without them."""
        self.summary = Summary()
        self._seen = _SeenNiks()

    def finish(self) -> Summary:
        """The file's counts; a file whose rows after the header are all blank is refused."""
        if self.summary.accepted + self.summary.rejected == 0:
            line = self.columns.header_line
            raise EmptyFileError(
                f"The file has a header on line {line} but no data rows.",
                message_id=f"Berkas hanya berisi baris judul (baris {line}) tanpa data.",
            )
        return self.summary

    def check(self, batch: pl.DataFrame) -> Checked:
        """Decide every row of ``batch`` (``line``, ``c{i}`` and, for workbooks, ``t{i}`` columns)."""
        width = sum(1 for name in batch.columns if name.startswith("c"))
        typed = type_column(0) in batch.columns
        present = set(batch.columns)

        def cell(name: str) -> tuple[str | None, str | None]:
            return self._cell(name, present)

        frame = self._name(batch.with_row_index("_i"), *cell("name"))
        # Only a row without a name can be blank: the full check runs on those few.
        nameless = frame.filter(pl.col("name").is_null())
        if nameless.height:
            texts = [f"c{i}" for i in range(width)]
            blank = nameless.filter(
                v.is_blank(texts, [type_column(i) if typed else None for i in range(width)])
            )
            if blank.height:
                self.summary.blank += blank.height
                frame = frame.filter(~pl.col("_i").is_in(blank["_i"].implode()))
        frame = self._nik(frame, *cell("nik"))
        frame = _apply(frame, v.decode_nik("_nik_digits", "_nikd"))
        frame = _apply(frame, self._nip(*cell("nip")))
        frame = self._dates(frame, present)
        gender_text, gender_kind = cell("gender")
        frame = _on_distinct(frame, [gender_text, gender_kind], v.gender(gender_text, gender_kind, "gender"),
                             ["gender", "gender_unknown"])  # fmt: skip
        for text_field in _TEXT_FIELDS:
            text, kind = cell(text_field) if self.storing or text_field == "regency" else (None, None)
            stages = v.clean_text(text, kind, text_field)
            if text_field in _FEW_VALUES:
                frame = _on_distinct(frame, [text, kind], stages, [text_field])
            else:
                frame = _apply(frame, stages)
        frame = _apply(frame, self._decisions("nik" in self.columns.fields))
        # What the outcome needs, without the intermediate columns (copying them on every filter is slow).
        decided = frame.select(
            "_i", "_reason", "_detail", "_strict", "_why", "_nip_rejection", "_nik_kept", "_nip_bad",
            *(name for name in frame.columns if name.startswith("_f_")),
            *(name for name in ACCEPTED_COLUMNS if name != "flags"),
        )  # fmt: skip
        rejected = decided.filter(pl.col("_reason").is_not_null())
        kept = decided.filter(pl.col("_reason").is_null()) if rejected.height else decided
        kept, duplicates = self._duplicates(kept)
        cells = batch.with_row_index("_i")
        rejections = self._rejections(rejected, cells, width, typed)
        rejections += self._rejections(duplicates, cells, width, typed)
        rejections.sort(key=lambda r: r.line)
        return Checked(self._accepted(kept), rejections, batch.height)

    # ------------------------------------------------------------------------------------------ columns

    def _cell(self, name: str, present: set[str]) -> tuple[str | None, str | None]:
        """A field's text and type column names (None when the file has no such column)."""
        index = self.columns.fields.get(name)
        if index is None or f"c{index}" not in present:
            return None, None
        kind = type_column(index) if type_column(index) in present else None
        return f"c{index}", kind

    @staticmethod
    def _nik(frame: pl.DataFrame, text: str | None, kind: str | None) -> pl.DataFrame:
        """Parse the NIK column. Most cells are 16 plain digits already: only the others are cleaned."""
        if text is None:
            return _apply(frame, v.nik(None, None, "_nik"))
        plain = pl.col(text).str.contains(r"^[0-9]{16}$").fill_null(False)
        if kind is not None:
            plain = plain & (pl.col(kind) == TEXT)
        defaults = {
            "_nik_raw": pl.col(text),
            "_nik_digits": pl.col(text),
            "_nik_rejection": pl.lit(None, dtype=pl.String),
            "_nik_message": pl.lit(None, dtype=pl.String),
            "_nik_numeric": pl.lit(False),
            "_nik_shown": pl.lit(None, dtype=pl.String),
        }
        return _on_subset(
            frame, ~plain, [text, *([kind] if kind else [])], v.nik(text, kind, "_nik"), defaults
        )

    @staticmethod
    def _name(frame: pl.DataFrame, text: str | None, kind: str | None) -> pl.DataFrame:
        """Clean the name column. Most names need nothing: only the others (spaces at an end or doubled,
        tabs, line breaks, a number cell) are cleaned."""
        if text is None:
            return _apply(frame, v.clean_text(None, None, "name"))
        odd = pl.col(text).str.contains(r"^\s|\s$|  |[\t\n\r]").fill_null(True) | (pl.col(text) == "")
        if kind is not None:
            odd = odd | (pl.col(kind) != TEXT)
        stages = v.clean_text(text, kind, "name")
        return _on_subset(frame, odd, [text, *([kind] if kind else [])], stages, {"name": pl.col(text)})

    @staticmethod
    def _nip(text: str | None, kind: str | None) -> v.Stages:
        given = v.cell_text(pl.col(text), pl.col(kind) if kind else None) != "" if text else pl.lit(False)
        return [*v.nip(text, kind, "_nip"), {"_nip_given": given}]

    def _dates(self, frame: pl.DataFrame, present: set[str]) -> pl.DataFrame:
        """Birth date and place. Each distinct combination of date and TTL cells is parsed once: a list of
        millions holds some tens of thousands of distinct birth dates."""
        date_text, date_kind = self._cell("birth_date", present)
        ttl_text, ttl_kind = self._cell("birth_place_date", present)
        place_text, place_kind = self._cell("birth_place", present) if self.storing else (None, None)
        frame = _apply(frame, v.clean_text(place_text, place_kind, "_place"))
        stages: v.Stages = []
        # The raw date: the birth-date cell, else the TTL cell's date part (a TTL date cell as it is).
        if ttl_text is not None:
            stages += v.split_place_date(ttl_text, "_ttl")
        ttl_place = pl.col("_ttl_place") if ttl_text else pl.lit(None, dtype=pl.String)
        ttl_date = pl.col("_ttl_date") if ttl_text else pl.lit(None, dtype=pl.String)
        ttl_is_text = (pl.col(ttl_kind) == TEXT) if ttl_kind else pl.lit(True)
        date_cell = pl.col(date_text) if date_text else pl.lit(None, dtype=pl.String)
        date_empty = date_cell.is_null() | (date_cell == "")
        raw_kind: pl.Expr | None = None
        if date_kind is not None or ttl_kind is not None:
            text_code = pl.lit(TEXT, dtype=pl.UInt8)
            ttl_type = (
                pl.when(ttl_is_text).then(text_code).otherwise(pl.col(ttl_kind) if ttl_kind else text_code)
            )
            raw_kind = (
                pl.when(~date_empty).then(pl.col(date_kind) if date_kind else text_code).otherwise(ttl_type)
            )
        stages.append(
            {
                "_raw_date": pl.when(~date_empty)
                .then(date_cell)
                .when(ttl_is_text)
                .then(ttl_date)
                .otherwise(pl.col(ttl_text) if ttl_text else pl.lit(None, dtype=pl.String)),
                **({"_raw_kind": raw_kind} if raw_kind is not None else {}),
                "_ttl_place_used": pl.when(date_empty & ttl_is_text).then(ttl_place),
            }
        )
        kind_name = "_raw_kind" if raw_kind is not None else None
        stages += v.birth_date("_raw_date", kind_name, self.today, "_bd1")
        # A "Tanggal Lahir" column that holds place and date anyway ("Bandung, 12-03-1985").
        raw_is_text = pl.col("_raw_date").is_not_null() & (
            (pl.col(kind_name) == TEXT) if kind_name else pl.lit(True)
        )
        stages.append(
            {"_late_input": pl.when(pl.col("_bd1_date").is_null() & raw_is_text).then(pl.col("_raw_date"))}
        )
        stages += v.split_place_date("_late_input", "_late")
        stages += v.birth_date_text("_late_date", self.today, "_bd2")
        stages.append(
            {
                "_retry": pl.col("_late_place").is_not_null() & (pl.col("_late_date").fill_null("") != ""),
                "_date_shown": v.cell_text(pl.col("_raw_date"), pl.col(kind_name) if kind_name else None),
            }
        )
        retry = pl.col("_retry")
        stages.append(
            {
                "birth_date": pl.when(retry).then(pl.col("_bd2_date")).otherwise(pl.col("_bd1_date")),
                "_month_first": pl.when(retry)
                .then(pl.col("_bd2_month_first"))
                .otherwise(pl.col("_bd1_month_first")),
                "_century": pl.when(retry)
                .then(pl.col("_bd2_century_guessed"))
                .otherwise(pl.col("_bd1_century_guessed")),
                "_date_place": pl.coalesce(
                    pl.col("_ttl_place_used"),
                    pl.when(retry & pl.col("_bd2_date").is_not_null()).then(pl.col("_late_place")),
                ),
            }
        )
        outputs = ["birth_date", "_month_first", "_century", "_date_place", "_date_shown"]
        frame = _on_distinct(frame, [date_text, date_kind, ttl_text, ttl_kind], stages, outputs)
        place = _narrow(frame, ["_place", "_date_place"]).select(
            birth_place=pl.coalesce("_place", "_date_place")
        )
        return frame.hstack(place.get_columns())

    def _decisions(self, has_nik: bool) -> v.Stages:
        """Accept or reject each row (``_reason`` null: kept, pending the duplicate look-up); its flags."""
        stages: v.Stages = []
        parsed = pl.col("_nik_digits").is_not_null()
        stages.append(
            {
                "_placeholder": parsed & pl.col("_nikd_placeholder"),
                "nik_usable": (parsed & ~pl.col("_nikd_placeholder")).fill_null(False),
                "_unknown_region": parsed & pl.col("_nikd_unknown_region"),
                "_impossible": parsed & pl.col("_nikd_impossible_birth_date"),
                "_serial_zero": parsed & pl.col("_nikd_serial_zero"),
                "possibly_truncated": (
                    parsed & pl.col("_nik_numeric") & pl.col("_nik_digits").str.ends_with("0")
                ).fill_null(False),
                "_nip_ok": pl.col("_nip_given") & pl.col("_nip_rejection").is_null(),
                "_date_given": pl.col("_date_shown") != "",
                "_why": pl.lit("nik_empty")
                if not has_nik
                else pl.when(pl.col("_nik_rejection").is_null())
                .then(pl.lit("nik_placeholder"))
                .otherwise(
                    pl.col("_nik_rejection").replace_strict(_NIK_REJECTION_REASON, default="nik_non_digit")
                ),
                "_nik_empty": pl.lit(True) if not has_nik else pl.col("_nik_rejection") == "empty",
                "_missing_name": pl.col("name").is_null() | ~pl.col("name").str.contains(r"\p{L}"),
            }
        )
        trusted = parsed & ~(
            pl.col("_placeholder")
            | pl.col("_unknown_region")
            | pl.col("_impossible")
            | pl.col("_serial_zero")
        )
        stages.append({"nik_trusted": trusted.fill_null(False)})
        usable, nip_ok, nik_empty = pl.col("nik_usable"), pl.col("_nip_ok"), pl.col("_nik_empty")
        missing = pl.col("_missing_name")
        if self.kind == "roster":
            reason = (
                pl.when(missing)
                .then(pl.lit("missing_name"))
                .when(usable | nip_ok)
                .then(None)
                .when(nik_empty & ~pl.col("_nip_given"))
                .then(pl.lit("missing_identifier"))
                .when(nik_empty)
                .then(pl.lit("invalid_nip"))
                .otherwise(pl.col("_why"))
            )
        else:
            reason = (
                pl.when(missing)
                .then(pl.lit("missing_name"))
                .when(usable | pl.col("birth_date").is_not_null() | pl.col("_nik_shown").is_not_null())
                .then(None)
                .when(pl.col("_date_given") & nik_empty)
                .then(pl.lit("birth_date_unparseable"))
                .otherwise(pl.col("_why"))
            )
        trusted_col = pl.col("nik_trusted")
        nik_gender = pl.col("_nikd_gender")
        nik_birth = (pl.col("_nikd_day"), pl.col("_nikd_month"), pl.col("_nikd_year"))
        gender_col = pl.col("gender")
        flags = {
            "_f_placeholder": pl.col("_placeholder"),
            "_f_unknown_region": pl.col("_unknown_region"),
            "_f_impossible_birth_date": pl.col("_impossible"),
            "_f_serial_zero": pl.col("_serial_zero"),
            "_f_possibly_truncated": pl.col("possibly_truncated"),
            "_f_undecodable_text": pl.col("name").str.contains("\ufffd", literal=True),
            "_f_birth_date_month_first": pl.col("_month_first"),
            "_f_birth_date_century_guessed": pl.col("_century"),
            "_f_birth_date_unparseable": pl.col("_date_given") & pl.col("birth_date").is_null(),
            "_f_gender_unknown": pl.col("gender_unknown"),
            "_f_gender_differs_from_nik": trusted_col
            & gender_col.is_not_null()
            & nik_gender.is_not_null()
            & (gender_col != nik_gender),
            "_f_nip_nik_birth_date_differ": nip_ok
            & trusted_col
            & _nip_nik_birth_differs(pl.col("_nip_birth_date"), nik_birth),
            "_f_nip_nik_gender_differ": nip_ok
            & trusted_col
            & pl.col("_nip_gender").is_not_null()
            & nik_gender.is_not_null()
            & (pl.col("_nip_gender") != nik_gender),
            "_nik_kept": pl.col("_nik_rejection").is_not_null() if has_nik else pl.lit(False),
            "_nip_bad": pl.col("_nip_given") & pl.col("_nip_rejection").is_not_null(),
        }
        stages.append(
            {
                "_reason": reason,
                "nik": pl.col("_nik_digits"),
                "nik_raw": pl.col("_nik_raw"),
                "nik_gender": pl.when(trusted_col).then(nik_gender),
                "nip": pl.when(nip_ok).then(pl.col("_nip_digits")),
                "nip_birth_date": pl.when(nip_ok).then(pl.col("_nip_birth_date")),
                "nip_gender": pl.when(nip_ok).then(pl.col("_nip_gender")),
                "_strict": (usable & ~pl.col("possibly_truncated")).fill_null(False),
                **{name: value.fill_null(False) for name, value in flags.items()},
            }
        )
        stages.append(
            {
                "_detail": pl.when(pl.col("_reason") == "invalid_nip")
                .then(pl.col("_nip_message"))
                .when(pl.col("_reason") == "birth_date_unparseable")
                .then(pl.col("_date_shown"))
                .otherwise(pl.col("_nik_message")),
            }
        )
        return stages

    # ------------------------------------------------------------------------------------------ outcomes

    def _duplicates(self, kept: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The same 16 digits earlier in the file: reject the later strict rows, flag the others."""
        keyed = kept.select(pl.col("nik").cast(pl.Int64, strict=False).alias("key"), "line")
        first = self._seen.first_lines(keyed)
        unique = pl.col("nik").is_null() | (first == pl.col("line"))
        marked = kept.with_columns(_first=pl.when(unique).then(-1).otherwise(first))
        later = pl.col("_first") >= 0
        duplicates = marked.filter(later & pl.col("_strict")).with_columns(_reason=pl.lit("duplicate_nik"))
        kept = marked.filter(~(later & pl.col("_strict"))).with_columns(_f_possible_duplicate=later)
        return kept, duplicates

    def _accepted(self, kept: pl.DataFrame) -> pl.DataFrame:
        flag_columns = {
            name: pl.col(f"_f_{name}") if f"_f_{name}" in kept.columns else pl.lit(False) for name in FLAGS
        }
        # The NIK's (or NIP's) own rejection is a flag on a row kept through the NIP or the birth date.
        flag_columns.update(
            {
                reason: pl.col("_nik_kept") & (pl.col("_why") == reason)
                for reason in ("nik_empty", "nik_non_digit", "nik_wrong_length", "nik_scientific_notation")
            }
        )
        flag_columns.update(
            {
                f"nip_{code}": pl.col("_nip_bad") & (pl.col("_nip_rejection") == code)
                for code in ("empty", "non_digit", "wrong_length", "scientific_notation", "unknown_layout")
            }
        )
        marks = kept.select(**flag_columns)
        counts = marks.sum()
        summary = self.summary
        summary.accepted += kept.height
        flagged = marks.select(pl.any_horizontal(pl.all()).sum()).item() if marks.width else 0
        summary.flagged += int(flagged or 0)
        for name in FLAGS:
            count = int(counts[name][0] or 0)
            if count:
                summary.flags[name] += count
        if not self.storing:
            return kept.with_columns(flags=pl.lit(None, dtype=pl.String)).select(ACCEPTED_COLUMNS)
        flags = pl.concat_str(
            [pl.when(pl.col(name)).then(pl.lit(name)) for name in FLAGS], separator=",", ignore_nulls=True
        )
        return kept.with_columns(flags=marks.select(flags).to_series()).select(ACCEPTED_COLUMNS)

    def _rejections(
        self, rejected: pl.DataFrame, cells: pl.DataFrame, width: int, typed: bool
    ) -> list[Rejection]:
        """Rejections with their messages and the row's cells as a person sees them. Rejected rows are few:
        their messages are built here one by one."""
        if not rejected.height:
            return []
        header_width = len(self.columns.headers)
        first = pl.col("_first") if "_first" in rejected.columns else pl.lit(None, dtype=pl.Int64)
        shown = (
            rejected.select("_i", "line", "_reason", "_detail", first.alias("_first"))
            .join(cells.drop("line"), on="_i", how="left", maintain_order="left")
            .select(
                "line",
                "_reason",
                "_detail",
                "_first",
                *(
                    v.cell_text(pl.col(f"c{i}"), pl.col(type_column(i)) if typed else None).alias(f"c{i}")
                    for i in range(width)
                ),
            )
        )
        out = []
        for line, reason, detail, first, *texts in shown.iter_rows():
            end = len(texts)
            while end > header_width and not texts[end - 1]:
                end -= 1
            first_line = int(first) if reason == "duplicate_nik" else None
            english, indonesian = REASONS[reason]
            self.summary.rejected += 1
            self.summary.reasons[reason] += 1
            out.append(
                Rejection(
                    line=int(line),
                    reason=reason,
                    message=english.format(detail=detail or "", first_line=first_line),
                    message_id=indonesian.format(detail=detail or "", first_line=first_line),
                    raw=tuple(texts[:end]),
                    first_line=first_line,
                )
            )
        return out


def _nip_nik_birth_differs(nip_birth: pl.Expr, nik_birth: tuple[pl.Expr, pl.Expr, pl.Expr]) -> pl.Expr:
    """A NIK holds a two-digit year, so birth dates are compared on day, month and the year's last two
    digits (:func:`matching.nip.nip_nik_conflicts`)."""
    day, month, year = nik_birth
    same = (
        (nip_birth.dt.day() == day)
        & (nip_birth.dt.month() == month)
        & (nip_birth.dt.year() % 100 == year % 100)
    )
    return nip_birth.is_not_null() & ~same


def rejection_raw_json(rejection: Rejection, headers: tuple[str, ...]) -> str:
    """A rejected row's cells as JSON, keyed by their header (``column N`` past the header's end)."""
    raw: dict[str, str] = {}
    for index, value in enumerate(rejection.raw):
        label = headers[index] if index < len(headers) and headers[index] else f"column {index + 1}"
        raw[label if label not in raw else f"{label} ({index + 1})"] = value[:1000]
    return json.dumps(raw)


_FEW_VALUES = frozenset({"regency", "district", "province", "occupation"})
"""Text fields with few distinct values over a whole list: cleaned once per value."""


def _apply(frame: pl.DataFrame, stages: v.Stages) -> pl.DataFrame:
    """``frame`` with the stages' columns, less their intermediate ones (named ``…__…``)."""
    lazy = frame.lazy()
    for stage in stages:
        lazy = lazy.with_columns(**stage)
    return lazy.drop(cs.contains("__")).collect()


def _narrow(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Some columns of ``frame`` as a frame of their own: operations on a wide frame pay per column."""
    return pl.DataFrame([frame.get_column(name) for name in names])


def _on_distinct(
    frame: pl.DataFrame, inputs: list[str | None], stages: v.Stages, outputs: list[str]
) -> pl.DataFrame:
    """Run ``stages`` once per distinct combination of the ``inputs`` columns and add their ``outputs``."""
    keys = [name for name in inputs if name is not None]
    if not keys:  # the file has none of these columns: the outcome is the same for every row
        constant = _apply(pl.DataFrame({"_": [0]}), stages).select(outputs)
        return frame.hstack(
            [pl.repeat(constant[name][0], frame.height, dtype=constant[name].dtype, eager=True).alias(name)
             for name in outputs]
        )  # fmt: skip
    cells = _narrow(frame, keys)
    distinct = _apply(cells.unique(), stages).select(*keys, *outputs)
    found = cells.join(distinct, on=keys, how="left", nulls_equal=True, maintain_order="left")
    return frame.hstack(found.select(outputs).get_columns())


def _on_subset(
    frame: pl.DataFrame, mask: pl.Expr, inputs: list[str], stages: v.Stages, defaults: dict[str, pl.Expr]
) -> pl.DataFrame:
    """Columns ``defaults`` for every row, computed by ``stages`` instead where ``mask`` holds (few rows)."""
    cells = _narrow(frame, inputs)
    base = cells.select(**defaults)
    rows = cells.select(pl.arg_where(mask)).to_series()
    if len(rows):
        computed = _apply(cells[rows], stages)
        for name in defaults:
            base = base.with_columns(base[name].scatter(rows, computed[name]))
    return frame.hstack(base.get_columns())
