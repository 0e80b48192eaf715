"""Findings for stored data: the lists' keys read from the database, matched by :mod:`matching.engine`.

The engine needs of the lists only each entry's usable NIK, or for an entry without one its birth date and
regency: those columns of every entry of the pinned versions are read in one pass (``COPY … TO STDOUT`` on
PostgreSQL, one cursor on SQLite) and joined in memory to the roster's NIK variants. Only the entries that
become candidates are then read in full, by id. The same engine runs the offline ``netra match`` and the
synchronous ``/match``, so the three give the same findings for the same rows.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import func, select
from sqlmodel import Session, col

from app.models import ListEntry, ListVersion, RosterEntry, table_of
from matching import engine
from matching.records import Finding, RosterPerson

ProgressCallback = Callable[[int, int, int, int], None]  # (rows done, rows total, findings, rows matched)

_R = table_of(RosterEntry)
_L = table_of(ListEntry)
_KEY_COLUMNS = {
    "id": pl.Int64,
    "nik": pl.String,
    "birth_date": pl.Date,
    "regency": pl.String,
    "nik_raw": pl.String,
    "name": pl.String,
}
_ENTRY_COLUMNS = {
    "id": pl.Int64,
    "version_id": pl.Int64,
    "line": pl.Int64,
    "nik": pl.String,
    "nik_raw": pl.String,
    "name": pl.String,
    "birth_date": pl.Date,
    "regency": pl.String,
    "gender": pl.String,
    "numeric_cell": pl.Boolean,
}
_ID_BATCH = 20_000


@dataclass
class ScoredRun:
    """What candidate generation and scoring produced for (a slice of) one roster version."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    candidates: int = 0
    rows_total: int = 0
    stats: engine.Stats = field(default_factory=engine.Stats)


@dataclass(frozen=True)
class StoredLists:
    """The engine's keys of stored list entries; position ``e`` is the entry with id ``ids[e]``."""

    keys: engine.ListKeys
    ids: np.ndarray


def _rows(session: Session, sql: str, schema: dict[str, Any], params: Sequence[Any] = ()) -> pl.DataFrame:
    """A query's rows as columns, on the session's own connection (so inside its transaction)."""
    connection = session.connection()
    raw: Any = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        buffer = io.BytesIO()
        with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
            for block in copy:
                buffer.write(block)
        if not buffer.tell():
            return pl.DataFrame(schema=schema)
        buffer.seek(0)
        # COPY writes booleans as t/f, which the CSV reader does not take for booleans.
        as_read = {name: pl.String if dtype == pl.Boolean else dtype for name, dtype in schema.items()}
        frame = pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=as_read)
        return frame.with_columns(
            (pl.col(name) == "t").alias(name) for name, dtype in schema.items() if dtype == pl.Boolean
        )
    rows = raw.execute(sql.replace("%s", "?"), tuple(params)).fetchall()
    if not rows:
        return pl.DataFrame(schema=schema)
    frame = pl.DataFrame(rows, schema=list(schema), orient="row", infer_schema_length=None)
    return frame.with_columns(_typed(frame[name], dtype) for name, dtype in schema.items())


def _typed(column: pl.Series, dtype: Any) -> pl.Series:
    # SQLite hands dates back as ISO text (how SQLAlchemy stores them there).
    if dtype == pl.Date and column.dtype == pl.String:
        return column.str.to_date("%Y-%m-%d", strict=False)
    return column.cast(dtype, strict=False)


def _id_list(values: Iterable[int]) -> str:
    return ", ".join(str(int(value)) for value in values)


def load_lists(session: Session, version_ids: Sequence[int]) -> StoredLists:
    """The keys of every entry of these list versions, read in one pass."""
    if not version_ids:
        frame = pl.DataFrame(schema=_KEY_COLUMNS)
    else:
        versions = _id_list(version_ids)
        # The written NIK and the name only where the NIK is not usable: a scientific notation's district.
        sql = (
            "SELECT id, nik, birth_date, regency, CASE WHEN nik IS NULL THEN nik_raw END, "
            f"CASE WHEN nik IS NULL THEN name END FROM list_entries WHERE version_id IN ({versions})"
        )
        frame = _rows(session, sql, _KEY_COLUMNS)
    keys = engine.ListKeys.build(
        frame["nik"], frame["birth_date"], frame["regency"], frame["name"], frame["nik_raw"]
    )
    return StoredLists(keys, frame["id"].to_numpy())


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[tuple[str, ...], ...], StoredLists]] = {}


def cached_lists(session: Session, version_ids: Sequence[int]) -> StoredLists:
    """:func:`load_lists` kept per process (a worker's shards, ``/match``'s requests), reread when the set
    of versions changes.

    A stored version's rows never change, but an id alone does not tell versions apart across databases
    that reuse ids (a test database recreated, SQLite after a delete): its file's SHA-256, row count and
    when its load finished do.
    """
    url = str(session.get_bind().engine.url)
    signature = tuple(
        tuple(str(value) for value in row)
        for row in session.execute(
            select(
                col(ListVersion.id),
                col(ListVersion.file_sha256),
                col(ListVersion.accepted),
                col(ListVersion.finished_at),
            )
            .where(col(ListVersion.id).in_(list(version_ids)))
            .order_by(col(ListVersion.id))
        ).all()
    )
    with _cache_lock:
        found = _cache.get(url)
        if found is not None and found[0] == signature:
            return found[1]
    loaded = load_lists(session, [int(row[0]) for row in signature])
    with _cache_lock:
        _cache[url] = (signature, loaded)
    return loaded


def load_entries(session: Session, ids: Sequence[int]) -> pl.DataFrame:
    """Stored list entries by id, as columns (``_ENTRY_COLUMNS``)."""
    names = ", ".join(_ENTRY_COLUMNS)
    parts = [
        _rows(
            session,
            f"SELECT {names} FROM list_entries WHERE id IN ({_id_list(ids[i : i + _ID_BATCH])})",
            _ENTRY_COLUMNS,
        )
        for i in range(0, len(ids), _ID_BATCH)
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema=_ENTRY_COLUMNS)


def match_people(
    people: Sequence[RosterPerson],
    lists: StoredLists,
    session: Session,
    stats: engine.Stats | None = None,
    *,
    whole_roster: bool = True,
) -> tuple[list[Finding], pl.DataFrame]:
    """Findings for ``people`` (refs ignored: a finding's ``roster_ref`` is the person's position, its
    ``list_ref`` the entry's id) and the candidate entries' stored columns; ``whole_roster`` as
    :func:`matching.engine.decide` takes it."""
    keys = engine.roster_keys(
        pl.Series([p.nik for p in people], dtype=pl.String),
        pl.Series([p.nip for p in people], dtype=pl.String),
        pl.Series([p.name for p in people], dtype=pl.String),
    )
    pairs = engine.candidates(keys, lists.keys, stats)
    positions = pairs["e"].unique().sort()
    entries = load_entries(session, lists.ids[positions.to_numpy()].tolist())
    by_position = pl.DataFrame({"e": positions, "id": lists.ids[positions.to_numpy()]})
    details = by_position.join(entries.rename({"nik": "stored_nik"}), on="id").with_columns(
        nik=pl.coalesce(pl.when(pl.col("nik_raw") != "").then(pl.col("nik_raw")), "stored_nik")
    )
    indexed = [RosterPerson(i, p.nik, p.name, p.nip, p.numeric_cell) for i, p in enumerate(people)]
    found = engine.decide(pairs, keys, indexed, details, stats, whole_roster=whole_roster)
    ids = lists.ids
    stored = [
        Finding(f.roster_ref, int(ids[int(f.list_ref)]), f.kind, f.match_class, f.score, f.explanation)
        for f in found
    ]
    return stored, entries


def finding_row(
    found: Finding,
    *,
    roster_id: int,
    roster_row: tuple[Any, ...],
    entry: dict[str, Any],
    list_ids: dict[int, int],
) -> dict[str, Any]:
    """A finding as a ``findings`` row (without run, agency and review columns); ``roster_row`` is the
    roster entry's ``(id, nik, nip, name)``."""
    from app.services.findings import pair_key

    roster_entry_id, r_nik, r_nip, r_name = roster_row
    version = int(entry["version_id"])
    return {
        "roster_entry_id": int(roster_entry_id),
        "list_entry_id": int(entry["id"]),
        "list_version_id": version,
        "pair_key": pair_key(
            roster_id,
            r_nik,
            r_nip,
            r_name,
            list_ids[version],
            entry["nik"],
            entry["name"],
            entry["birth_date"],
        ),
        "kind": found.kind,
        "match_class": found.match_class,
        "score": float(found.score),
        "explanation": [
            {"name": f.name, "outcome": f.outcome, "detail": f.detail} for f in found.explanation
        ],
    }


def roster_rows(
    session: Session, roster_version_id: int, *, first_id: int | None = None, last_id: int | None = None
) -> list[Any]:
    """``(id, nik, nik_raw, name, nip, numeric_cell)`` of a roster version's entries.

    An id range selects one shard of a check run.
    """
    query = select(_R.c.id, _R.c.nik, _R.c.nik_raw, _R.c.name, _R.c.nip, _R.c.numeric_cell).where(
        _R.c.version_id == roster_version_id
    )
    if first_id is not None:
        query = query.where(_R.c.id >= first_id)
    if last_id is not None:
        query = query.where(_R.c.id <= last_id)
    return list(session.execute(query.order_by(_R.c.id)).all())


def roster_person(
    ref: int, nik: str | None, nik_raw: str, name: str, nip: str | None, numeric: bool
) -> RosterPerson:
    """A stored roster row as the matcher's input: the NIK *as uploaded* (with the numeric-cell flag), so
    it is parsed exactly as the offline path parses it."""
    return RosterPerson(ref=ref, nik=nik_raw or nik or "", name=name, nip=nip, numeric_cell=bool(numeric))


def generate_findings(
    session: Session,
    *,
    roster_id: int,
    roster_version_id: int,
    list_versions: dict[int, int],
    first_id: int | None = None,
    last_id: int | None = None,
    lists: StoredLists | None = None,
    on_progress: ProgressCallback | None = None,
) -> ScoredRun:
    """``findings`` rows for a roster version (or the id range of one shard of it) against list versions;
    ``list_versions`` maps each list version id to its list id."""
    result = ScoredRun()
    rows = roster_rows(session, roster_version_id, first_id=first_id, last_id=last_id)
    result.rows_total = len(rows)
    if not rows or not list_versions:
        if on_progress:
            on_progress(result.rows_total, result.rows_total, 0, 0)
        return result
    if lists is None:
        lists = load_lists(session, sorted(list_versions))
    if on_progress:
        on_progress(0, result.rows_total, 0, 0)
    people = [
        roster_person(i, nik, raw, name, nip, numeric)
        for i, (_, nik, raw, name, nip, numeric) in enumerate(rows)
    ]
    # One shard of a run: the run decides over all of them which civil servant a damaged NIK fits.
    found, entries = match_people(people, lists, session, result.stats, whole_roster=False)
    by_id = {row["id"]: row for row in entries.to_dicts()}
    matched: set[int] = set()
    for finding in found:
        row = rows[int(finding.roster_ref)]
        result.findings.append(
            finding_row(
                finding,
                roster_id=roster_id,
                roster_row=(row[0], row[1], row[4], row[3]),
                entry=by_id[int(finding.list_ref)],
                list_ids=list_versions,
            )
        )
        matched.add(int(row[0]))
    result.candidates = result.stats.candidates
    if on_progress:
        on_progress(result.rows_total, result.rows_total, len(result.findings), len(matched))
    return result


def roster_bounds(session: Session, roster_version_id: int) -> tuple[int, int, int]:
    """The smallest and largest entry id and the number of entries of a roster version."""
    low, high, count = session.execute(
        select(func.min(_R.c.id), func.max(_R.c.id), func.count()).where(_R.c.version_id == roster_version_id)
    ).one()
    return int(low or 0), int(high or 0), int(count or 0)
