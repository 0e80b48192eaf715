"""The bulk engine: a whole roster against whole lists, as columns.

Stages, each counted in :class:`Stats`:

1. **Keys** (:class:`ListKeys`, :func:`roster_keys`). Each side's usable NIK as an ``int64``. A list's
   trusted NIKs also give their decoded birth date and gender (a ``G`` code), its entries without a usable
   NIK their stated birth date and regency (an ``R`` code). A roster person gives the same from the NIK
   and the NIP: an ``R`` code when the NIK is usable (birth date from the NIP, else from a trusted NIK,
   regency from the NIK), a ``G`` code when only the NIP is.
2. **Candidates** (:func:`candidates`). Every roster NIK expanded into itself and its one-edit variants
   (16 × 9 substitutions and up to 15 adjacent transpositions; Excel's zeroed last digit is one of them),
   joined to the list's NIKs; ``R`` and ``G`` codes joined likewise; an entry whose NIK Excel turned into
   scientific notation (``3.20426E+15``) by the district it shows and an identifying word of the name
   (:func:`matching.name_filter.name_words`). These are exactly the pairs a rule can accept: on files
   shaped like real exports, where serials run 0001, 0002, … per district and birth date, blocking on NIK
   windows put millions of near-NIK strangers into the same blocks.
3. **Gates.** Pairs no rule accepts whatever the names: a stated birth date or gender that contradicts
   the roster's on a non-exact NIK, on a birth-date-and-region pair or on a NIP pair.
4. **Names.** :func:`matching.name_filter.may_agree` drops pairs whose names share nothing to align.
5. **Scoring.** :func:`matching.scoring.score_pair` decides what is left and explains it.

Stages 3 and 4 drop only pairs :func:`~matching.scoring.score_pair` refuses, so the findings are those of
scoring every candidate (``tests/matching/test_engine.py`` compares the two). Positions, not the
callers' refs, travel through the stages: the roster's rows and the list's rows are numbered from 0.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from matching.name_filter import may_agree, name_words
from matching.nik import century_pivot, parse_nik, scientific_prefix
from matching.nip import parse_nip
from matching.records import Finding, ListEntry, RosterPerson
from matching.regions import known_district_codes
from matching.scoring import (
    clean_date,
    clean_gender,
    clean_regency,
    district_fit,
    score_pair,
    single_district_fits,
)

__all__ = ["ListKeys", "RosterKeys", "Stats", "candidates", "decide", "match", "nik_values", "roster_keys"]

_PLACEHOLDERS = (1234567890123456, 123456789012345, 9876543210987654)
_REPDIGIT = 1111111111111111
_POW10 = np.array([10 ** (15 - k) for k in range(16)], dtype=np.int64)
ROSTER_CHUNK = 20_000
"""Roster people expanded into NIK variants at a time (160 int64 each): bounds memory for any roster."""


@dataclass
class Stats:
    """What each stage produced (for benchmarks and logs)."""

    variants: int = 0
    nik_pairs: int = 0
    birth_region_pairs: int = 0
    birth_gender_pairs: int = 0
    district_pairs: int = 0
    candidates: int = 0
    after_gates: int = 0
    after_names: int = 0
    findings: int = 0

    def add(self, other: Stats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def nik_values(raws: pl.Series) -> pl.Series:
    """Usable NIKs as ``Int64`` (null where unusable): ``int(parse_nik(raw).digits)`` when usable.

    Plain 16-digit cells are read in bulk; every other distinct value goes through
    :func:`~matching.nik.parse_nik` once. Placeholders (``2222222222222222``) are nobody's NIK.

    >>> cells = ["3271055203850001", None, "'3271-0552-0385-0001", "2222222222222222"]
    >>> nik_values(pl.Series(cells)).to_list()
    [3271055203850001, None, 3271055203850001, None]
    """
    raws = raws.cast(pl.String)
    plain = raws.str.contains(r"^[0-9]{16}$").fill_null(False)
    odd = raws.filter(~plain & raws.is_not_null()).unique().to_list()
    parsed = {}
    for raw in odd:
        nik = parse_nik(raw)
        parsed[raw] = int(nik.digits) if nik.digits is not None else None
    values = pl.select(
        pl.when(plain)
        .then(raws.cast(pl.Int64, strict=False))
        .otherwise(raws.replace_strict(parsed, default=None, return_dtype=pl.Int64))
    ).to_series()
    placeholder = (values % _REPDIGIT == 0) | values.is_in(list(_PLACEHOLDERS))
    return pl.select(pl.when(placeholder).then(None).otherwise(values)).to_series().alias("value")


@functools.cache
def _known_districts() -> np.ndarray:
    known = np.zeros(1_000_000, dtype=np.bool_)
    known[np.fromiter(known_district_codes(), dtype=np.int64)] = True
    return known


def _decoded(values: pl.Series) -> pl.DataFrame:
    """A NIK's decoded birth date and gender, and whether they may be trusted (``matching.nik`` rules:
    a known district, a real date with women's day minus 40, a serial that is not 0000); null NIKs are
    not trusted."""
    v = values.fill_null(0).to_numpy()
    raw_day = v // 10**8 % 100
    month = v // 10**6 % 100
    year2 = v // 10**4 % 100
    female = (raw_day >= 41) & (raw_day <= 71)
    day = np.where(female, raw_day - 40, raw_day)
    year = np.where(year2 <= century_pivot(), 2000 + year2, 1900 + year2)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    valid = (((raw_day >= 1) & (raw_day <= 31)) | female) & (month >= 1) & (month <= 12) & (day >= 1)
    valid &= day <= last
    trusted = valid & (v % 10**4 != 0) & _known_districts()[np.clip(v // 10**10, 0, 999_999)]
    trusted &= values.is_not_null().to_numpy()
    frame = pl.DataFrame(
        {
            "nik_trusted": trusted,
            "nik_day": day.astype(np.int32),
            "nik_month": month.astype(np.int32),
            "nik_year": year.astype(np.int32),
            "female": female,
        }
    )
    return frame.with_columns(nik_gender=pl.when("female").then(pl.lit("F")).otherwise(pl.lit("M"))).drop(
        "female"
    )


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _birth_gender_code(day: pl.Expr, month: pl.Expr, year: pl.Expr, gender: pl.Expr) -> pl.Expr:
    """``G`` + DDMMYY + gender as a number (a NIK holds a two-digit year)."""
    return ((day.cast(pl.Int64) * 100 + month) * 100 + year % 100) * 2 + (gender == "F").cast(pl.Int64)


def _birth_region_code(birth: pl.Expr, regency: pl.Expr) -> pl.Expr:
    """``R`` + YYYYMMDD + regency as a number."""
    ymd = (birth.dt.year().cast(pl.Int64) * 100 + birth.dt.month()) * 100 + birth.dt.day()
    return ymd * 10_000 + regency.cast(pl.Int64, strict=False)


def _regencies(regency: pl.Series) -> pl.Series:
    distinct = regency.cast(pl.String).drop_nulls().unique().to_list()
    return regency.cast(pl.String).replace_strict(
        {text: clean_regency(text) for text in distinct}, default=None, return_dtype=pl.String
    )


@dataclass(frozen=True)
class ListKeys:
    """The list side's keys, each with the entry's position: usable NIKs, ``R`` and ``G`` codes."""

    niks: pl.DataFrame
    """``value`` (int64), ``e`` (position)."""
    birth_region: pl.DataFrame
    """``code``, ``e``: entries without a usable NIK, by stated birth date and regency."""
    birth_gender: pl.DataFrame
    """``code``, ``e``: entries with a trusted NIK, by its birth date and gender."""
    districts: pl.DataFrame
    """``code``, ``word``, ``e``: entries whose NIK survives only as the district its scientific notation
    shows (``3.20426E+15``), once per identifying word of the name."""

    @classmethod
    def build(
        cls,
        nik: pl.Series,
        birth_date: pl.Series,
        regency: pl.Series,
        name: pl.Series | None = None,
        written: pl.Series | None = None,
    ) -> ListKeys:
        """Keys of entries given as columns, one item per entry: ``nik`` usable or null, ``written`` the
        NIK as written where it is not usable (for the district a scientific notation shows) and ``name``
        for that key (and to skip a blank name; null where not needed)."""
        frame = pl.DataFrame(
            {
                "value": nik_values(nik),
                "birth": birth_date.cast(pl.Date, strict=False),
                "regency": _regencies(regency),
                # A name left out (null) is not a blank one: the database reads names only where needed.
                "named": (name.cast(pl.String).str.strip_chars().str.len_bytes() > 0).fill_null(True)
                if name is not None
                else pl.repeat(True, len(nik), eager=True),
            }
        ).with_row_index("e")
        frame = frame.with_columns(e=pl.col("e").cast(pl.Int64))
        usable = frame.filter(pl.col("value").is_not_null())
        usable = usable.hstack(_decoded(usable["value"]).get_columns())
        codes = usable.filter(pl.col("nik_trusted") & pl.col("named")).select(
            code=_birth_gender_code(
                pl.col("nik_day"), pl.col("nik_month"), pl.col("nik_year"), pl.col("nik_gender")
            ),
            e="e",
        )
        regional = frame.filter(pl.col("value").is_null() & pl.col("named")).select(
            code=_birth_region_code(pl.col("birth"), pl.col("regency")), e="e"
        )
        return cls(
            niks=usable.select("value", "e"),
            birth_region=regional.drop_nulls("code"),
            birth_gender=codes.drop_nulls("code"),
            districts=_district_keys(frame, written, name),
        )

    @classmethod
    def concat(cls, parts: Sequence[tuple[ListKeys, int]]) -> ListKeys:
        """The keys of lists laid end to end: each part with its number of entries, in order."""
        if not parts:
            return cls.build(pl.Series([], dtype=pl.String), pl.Series([], dtype=pl.Date), pl.Series([]))
        offset, shifted = 0, []
        for keys, height in parts:
            shift = pl.col("e") + offset
            shifted.append([frame.with_columns(e=shift) for frame in keys.frames()])
            offset += height
        return cls(*(pl.concat(frames) for frames in zip(*shifted, strict=True)))

    def frames(self) -> tuple[pl.DataFrame, ...]:
        return (self.niks, self.birth_region, self.birth_gender, self.districts)

    @classmethod
    def of(cls, entries: Sequence[ListEntry]) -> ListKeys:
        niks = pl.Series([e.nik for e in entries], dtype=pl.String)
        return cls.build(
            niks,
            pl.Series([clean_date(e.birth_date) for e in entries], dtype=pl.Date),
            pl.Series([clean_regency(e.regency) for e in entries], dtype=pl.String),
            pl.Series([e.name for e in entries], dtype=pl.String),
            niks,
        )


def _district_keys(frame: pl.DataFrame, written: pl.Series | None, name: pl.Series | None) -> pl.DataFrame:
    """``code`` (the district shown), ``word``, ``e`` of entries without a usable NIK whose NIK, as
    written, is in scientific notation showing a known district."""
    empty = pl.DataFrame(schema={"code": pl.Int64, "word": pl.String, "e": pl.Int64})
    if written is None or name is None or not len(written):
        return empty
    damaged = (
        frame.select("e", "value")
        .with_columns(written=written.cast(pl.String), name=name.cast(pl.String))
        .filter(pl.col("value").is_null())
        .filter(pl.col("written").str.contains(r"(?i)e\+?15\s*$"))
    )
    if not damaged.height:
        return empty
    shown = {w: scientific_prefix(w) for w in damaged["written"].unique().to_list()}
    damaged = damaged.with_columns(
        code=pl.col("written").replace_strict(shown, return_dtype=pl.String).cast(pl.Int64)
    ).drop_nulls("code")
    words = name_words(damaged["name"])
    return (
        damaged.with_row_index("i")
        .with_columns(pl.col("i").cast(pl.Int64))
        .join(words, on="i")
        .select("code", "word", "e")
    )


@dataclass(frozen=True)
class RosterKeys:
    """Per roster person (position ``r``): usable NIK ``value``, the birth date and gender the rules use
    (the NIP's, else a trusted NIK's), and the ``R`` / ``G`` codes; ``names`` for the district key."""

    frame: pl.DataFrame
    names: pl.Series


def _nip_parts(nips: pl.Series) -> pl.DataFrame:
    """``nip_birth`` and ``nip_gender`` of each NIP as :func:`~matching.nip.parse_nip` reads them (null
    unless the NIP has its layout). Plain 18-digit values are read in bulk, others once per distinct value."""
    text = nips.cast(pl.String)
    frame = pl.DataFrame({"nip": text})
    d = pl.col("nip")
    marker = d.str.slice(12, 2).cast(pl.Int32, strict=False)
    plain = d.str.contains(r"^[0-9]{18}$").fill_null(False) & (
        marker.is_between(1, 12) | marker.is_between(21, 29)
    )
    digit = d.str.slice(14, 1)
    odd = frame.filter(~plain & d.is_not_null())["nip"].unique().to_list()
    parsed: dict[str, tuple[date | None, str | None]] = {}
    for raw in odd:
        info = parse_nip(raw) if raw.strip() else None
        parsed[raw] = (info.birth_date, info.gender) if info is not None and info.ok else (None, None)
    valid_day = d.str.slice(0, 8).str.to_date("%Y%m%d", strict=False)
    return frame.select(
        nip_birth=pl.when(plain)
        .then(valid_day)
        .otherwise(
            d.replace_strict({k: v[0] for k, v in parsed.items()}, default=None, return_dtype=pl.Date)
        ),
        nip_gender=pl.when(plain)
        .then(pl.when(digit == "1").then(pl.lit("M")).when(digit == "2").then(pl.lit("F")))
        .otherwise(
            d.replace_strict({k: v[1] for k, v in parsed.items()}, default=None, return_dtype=pl.String)
        ),
    )


def roster_keys(nik: pl.Series, nip: pl.Series, name: pl.Series) -> RosterKeys:
    """Keys of roster people given as columns (NIK and NIP as written)."""
    frame = (
        pl.DataFrame(
            {
                "value": nik_values(nik),
                "named": name.cast(pl.String).str.strip_chars().str.len_bytes() > 0,
            }
        )
        .hstack(_nip_parts(nip).get_columns())
        .with_row_index("r")
    )
    frame = frame.with_columns(r=pl.col("r").cast(pl.Int64))
    frame = frame.hstack(_decoded(frame["value"]).get_columns())
    trusted = pl.col("nik_trusted") & pl.col("value").is_not_null()
    nik_birth = pl.when(trusted).then(pl.date(pl.col("nik_year"), pl.col("nik_month"), pl.col("nik_day")))
    frame = frame.with_columns(
        birth=pl.coalesce("nip_birth", nik_birth),
        gender=pl.coalesce("nip_gender", pl.when(trusted).then(pl.col("nik_gender"))),
    ).with_columns(
        r_code=pl.when(pl.col("value").is_not_null() & pl.col("named")).then(
            _birth_region_code(pl.col("birth"), pl.col("value") // 10**12)
        ),
        g_code=pl.when(pl.col("value").is_null() & pl.col("named")).then(
            _birth_gender_code(
                pl.col("nip_birth").dt.day(), pl.col("nip_birth").dt.month(), pl.col("nip_birth").dt.year(),
                pl.col("nip_gender"),
            )
        ),
    )  # fmt: skip
    return RosterKeys(frame.select("r", "value", "birth", "gender", "r_code", "g_code"), name.cast(pl.String))


def _variants(values: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each NIK, its 144 single substitutions and its adjacent transpositions (where the digits differ)."""
    digits = values[:, None] // _POW10 % 10  # (n, 16)
    substitutions = (
        values[:, None, None] + (np.arange(10)[None, None, :] - digits[:, :, None]) * _POW10[None, :, None]
    )
    keep = np.arange(10)[None, None, :] != digits[:, :, None]  # the NIK itself once, below
    swap = (digits[:, 1:] - digits[:, :-1]) * 9 * _POW10[None, 1:]  # a at p, b at p+1 -> b, a
    transposed = values[:, None] + swap
    differ = digits[:, 1:] != digits[:, :-1]
    n = len(values)
    found = np.concatenate([values, substitutions[keep], transposed[differ]])
    owners = np.concatenate(
        [rows, np.repeat(rows, keep.reshape(n, -1).sum(axis=1)), np.repeat(rows, differ.sum(axis=1))]
    )
    return found, owners


_HASH_BITS = 24
_HASH_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads neighbouring NIKs over the bitmap


def _buckets(values: np.ndarray) -> np.ndarray:
    hashed: np.ndarray = (values.astype(np.uint64) * _HASH_MULT) >> np.uint64(64 - _HASH_BITS)
    return hashed


def candidates(roster: RosterKeys, lists: ListKeys, stats: Stats | None = None) -> pl.DataFrame:
    """Pairs ``(r, e)`` worth scoring: NIKs equal or one edit apart, and shared ``R`` / ``G`` codes."""
    stats = stats if stats is not None else Stats()
    people = roster.frame
    usable = people.filter(pl.col("value").is_not_null())
    # A bitmap of the list's NIKs' hashes (16 MiB) drops nearly every variant before the exact join.
    present = np.zeros(1 << _HASH_BITS, dtype=np.bool_)
    present[_buckets(lists.niks["value"].to_numpy())] = True
    parts = []
    for start in range(0, usable.height, ROSTER_CHUNK):
        chunk = usable.slice(start, ROSTER_CHUNK)
        values, owners = _variants(chunk["value"].to_numpy(), chunk["r"].to_numpy())
        stats.variants += len(values)
        hit = present[_buckets(values)]
        variants = pl.DataFrame({"value": values[hit], "r": owners[hit]})
        parts.append(variants.join(lists.niks, on="value").select("r", "e"))
    nik_pairs = pl.concat(parts) if parts else pl.DataFrame(schema={"r": pl.Int64, "e": pl.Int64})
    regional = (
        people.select("r", code="r_code")
        .drop_nulls("code")
        .join(lists.birth_region, on="code")
        .select("r", "e")
    )
    gendered = (
        people.select("r", code="g_code")
        .drop_nulls("code")
        .join(lists.birth_gender, on="code")
        .select("r", "e")
    )
    district = _district_pairs(roster, usable, lists.districts)
    stats.nik_pairs += nik_pairs.height
    stats.birth_region_pairs += regional.height
    stats.birth_gender_pairs += gendered.height
    stats.district_pairs += district.height
    pairs = pl.concat([nik_pairs, regional, gendered, district]).unique(maintain_order=False).sort("r", "e")
    stats.candidates += pairs.height
    return pairs


def _district_pairs(roster: RosterKeys, usable: pl.DataFrame, districts: pl.DataFrame) -> pl.DataFrame:
    """Roster people whose NIK a damaged list NIK's district may show (cut or rounded after six digits,
    :func:`~matching.nik.shows_prefix`), sharing an identifying word of the name with that entry."""
    if not districts.height:
        return pl.DataFrame(schema={"r": pl.Int64, "e": pl.Int64})
    shown = (
        pl.concat(
            [
                usable.select("r", code=pl.col("value") // 10**10),
                usable.select("r", code=(pl.col("value") // 10**9 + 5) // 10),
            ]
        )
        .unique()
        .join(districts.select("code").unique(), on="code", how="semi")
    )
    people = shown.select("r").unique().sort("r").with_row_index("i").with_columns(pl.col("i").cast(pl.Int64))
    words = name_words(roster.names.gather(people["r"])).join(people, on="i").select("r", "word")
    return shown.join(words, on="r").join(districts, on=["code", "word"]).select("r", "e").unique()


def decide(
    pairs: pl.DataFrame,
    roster: RosterKeys,
    people: Sequence[RosterPerson],
    entries: pl.DataFrame,
    stats: Stats | None = None,
    *,
    whole_roster: bool = True,
) -> list[Finding]:
    """Findings for candidate ``pairs``; ``people[r]`` is roster person ``r`` and ``entries`` holds, for each
    list position ``e`` in the pairs, the entry as ``ListEntry`` takes it (columns ``e``, ``nik``, ``name``,
    ``birth_date``, ``regency``, ``gender``, ``numeric_cell``). Findings carry the positions as refs.

    ``whole_roster`` False: ``people`` are one slice of a roster, so which civil servant alone fits a
    damaged NIK's district (:func:`~matching.scoring.single_district_fits`) is left to the caller.
    """
    stats = stats if stats is not None else Stats()
    if not pairs.height:
        return []
    listed = entries.with_columns(
        e_value=nik_values(entries["nik"]),
        e_birth=entries["birth_date"].cast(pl.Date, strict=False),
        e_gender=entries["gender"]
        .cast(pl.String)
        .replace_strict(
            {g: clean_gender(g) for g in entries["gender"].cast(pl.String).drop_nulls().unique().to_list()},
            default=None,
            return_dtype=pl.String,
        ),
    )
    frame = pairs.join(
        roster.frame.select("r", r_value="value", r_birth="birth", r_gender="gender"), on="r"
    ).join(listed.select("e", "e_value", "e_birth", "e_gender", e_name="name"), on="e")
    exact = pl.col("r_value").is_not_null() & (pl.col("r_value") == pl.col("e_value"))
    birth_contradicts = (pl.col("e_birth") != pl.col("r_birth")).fill_null(False)
    gender_contradicts = (pl.col("e_gender") != pl.col("r_gender")).fill_null(False)
    frame = frame.with_columns(exact=exact.fill_null(False)).filter(
        pl.col("exact") | ~(birth_contradicts | gender_contradicts)
    )
    stats.after_gates += frame.height
    inexact = frame.filter(~pl.col("exact"))
    names = [person.name for person in people]
    roster_names = pl.Series([names[r] for r in inexact["r"].to_list()], dtype=pl.String)
    columns = listed.select("e", "nik", "name", "birth_date", "regency", "gender", "numeric_cell")

    def scored(pairs: pl.DataFrame) -> list[Finding]:
        found = []
        for r, e, nik, name, birth, regency, gender, numeric in pairs.join(columns, on="e").iter_rows():
            finding = score_pair(people[r], ListEntry(e, nik, name, birth, regency, gender, bool(numeric)))
            if finding is not None:
                found.append(finding)
        return found

    # The name filter runs in Polars, which releases the GIL: score the exact pairs in the meantime.
    with ThreadPoolExecutor(max_workers=1) as pool:
        filtering = pool.submit(may_agree, roster_names, inexact["e_name"]) if inexact.height else None
        findings = scored(frame.filter(pl.col("exact")).select("r", "e"))
        agree = filtering.result() if filtering is not None else np.zeros(0, dtype=np.bool_)
    near = inexact.filter(pl.Series(agree)).select("r", "e")
    stats.after_names += frame.filter(pl.col("exact")).height + near.height
    findings += scored(near)
    findings.sort(key=lambda f: (int(f.roster_ref), int(f.list_ref)))
    if whole_roster:  # a slice of a roster (a check run's shard) leaves this to whoever sees every slice
        findings = single_district_fits(findings, district_fit)
    stats.findings += len(findings)
    return findings


def match(
    roster: Sequence[RosterPerson], entries: Sequence[ListEntry], *, stats: Stats | None = None
) -> list[Finding]:
    """Match a roster against list entries in memory: findings with the callers' refs, sorted by roster
    then list position.

    >>> roster = [RosterPerson(1, "3271055203850001", "Drs. Agoes Soedjono", nip="198503122010011001")]
    >>> entries = [ListEntry(5, "3271051203850001", "Agus Sujono")]
    >>> [(f.kind, f.match_class, f.list_ref) for f in match(roster, entries)]
    [('nik_one_digit', 'probable', 5)]
    """
    if not roster or not entries:
        return []
    keys = roster_keys(
        pl.Series([p.nik for p in roster], dtype=pl.String),
        pl.Series([p.nip for p in roster], dtype=pl.String),
        pl.Series([p.name for p in roster], dtype=pl.String),
    )
    lists = ListKeys.of(entries)
    pairs = candidates(keys, lists, stats)
    wanted = pairs["e"].unique().to_list()
    table = pl.DataFrame(
        {
            "e": wanted,
            "nik": [entries[e].nik for e in wanted],
            "name": [entries[e].name for e in wanted],
            "birth_date": [clean_date(entries[e].birth_date) for e in wanted],
            # Lists write these their own way (3271 as a number, "Perempuan"): score_pair cleans them.
            "regency": [clean_regency(entries[e].regency) for e in wanted],
            "gender": [clean_gender(entries[e].gender) for e in wanted],
            "numeric_cell": [entries[e].numeric_cell for e in wanted],
        },
        schema={
            "e": pl.Int64,
            "nik": pl.String,
            "name": pl.String,
            "birth_date": pl.Date,
            "regency": pl.String,
            "gender": pl.String,
            "numeric_cell": pl.Boolean,
        },
    )
    people = [RosterPerson(i, p.nik, p.name, p.nip, p.numeric_cell) for i, p in enumerate(roster)]
    found = decide(pairs, keys, people, table, stats)
    return [
        Finding(
            roster[int(f.roster_ref)].ref,
            entries[int(f.list_ref)].ref,
            f.kind,
            f.match_class,
            f.score,
            f.explanation,
        )
        for f in found
    ]
