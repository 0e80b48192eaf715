"""Candidate generation inside the database, scoring with :mod:`matching`.

The in-memory :class:`matching.matcher.ListIndex` finds candidates by looking a roster person's blocking keys
up in dictionaries of the list entries' keys. Ingestion stores the very same keys (computed by
:mod:`matching.blocking`) in indexed columns, so here each dictionary look-up becomes an equality join on one
column, one ``SELECT`` per key ``UNION``-ed together (``UNION`` removes pairs found through several keys).
No query runs per row, and the same SQL runs on SQLite and PostgreSQL.

One query covers the whole roster version, its rows streamed in roster-id order (a server-side cursor on
PostgreSQL) and scored in batches (:func:`matching.matcher.score_pairs`), so memory stays bounded by a batch
and progress is the position in the roster. Why not one query per slice of the roster: PostgreSQL answers
each slice with hash joins that scan every list entry once per key column, so slicing repeats those scans
(measured: 17 s for 50k x 2M in ten slices); SQLite only does nested loops into the ``(key, version_id)``
indexes either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select, union
from sqlalchemy.sql import CompoundSelect
from sqlmodel import Session

from app.models import ListEntry, RosterEntry, table_of
from matching import matcher

# The columns whose equality makes a candidate: exactly the keys ``ListIndex`` looks up
# (``BlockKeys.all()``). Key *i* carries its position as its first character, so the in-memory single
# namespace of NIK keys and these per-column joins pair the same records. ``nik`` and ``nik15`` need no join
# of their own: identical NIKs share all four keys, NIKs differing in the 16th digit share keys 1-3.
KEY_COLUMNS: tuple[str, ...] = ("nik_k1", "nik_k2", "nik_k3", "nik_k4", "person_key")

ProgressCallback = Callable[[int, int, int, int], None]  # (rows done, rows total, findings, rows matched)

_R = table_of(RosterEntry).alias("r")
_L = LIST_ENTRIES = table_of(ListEntry).alias("l")

# A list entry as :func:`list_entry` takes it, after its id and version: check runs and the synchronous
# match (:mod:`app.services.match`) select the same columns so both score the same input.
LIST_ENTRY_COLUMNS = (
    _L.c.id,
    _L.c.version_id,
    _L.c.nik,
    _L.c.nik_raw,
    _L.c.name,
    _L.c.birth_date,
    _L.c.regency,
    _L.c.gender,
    _L.c.numeric_cell,
)


@dataclass
class ScoredRun:
    """What candidate generation and scoring produced for one roster version."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    candidates: int = 0
    rows_total: int = 0


def candidate_pairs(
    roster_version_id: int, list_version_ids: Sequence[int], *, first_id: int, last_id: int
) -> CompoundSelect[Any]:
    """``(rid, lid)`` pairs sharing at least one blocking key, for roster ids in ``[first_id, last_id]``."""
    parts = [
        select(_R.c.id.label("rid"), _L.c.id.label("lid"))
        .select_from(_R.join(_L, _L.c[column] == _R.c[column]))
        .where(
            _R.c.version_id == roster_version_id,
            _R.c.id.between(first_id, last_id),
            _R.c[column].is_not(None),
            _L.c.version_id.in_(list(list_version_ids)),
        )
        for column in KEY_COLUMNS
    ]
    return union(*parts)


def candidate_rows(
    roster_version_id: int, list_version_ids: Sequence[int], *, first_id: int, last_id: int
) -> Select[Any]:
    """The candidate pairs with what the matcher needs from both sides."""
    pairs = candidate_pairs(roster_version_id, list_version_ids, first_id=first_id, last_id=last_id).subquery(
        "c"
    )
    return (
        select(
            _R.c.id,
            _R.c.nik,
            _R.c.nik_raw,
            _R.c.name,
            _R.c.nip,
            _R.c.numeric_cell,
            *LIST_ENTRY_COLUMNS,
            _R.c.nik_k1,
            _L.c.nik_k1,
        )
        .select_from(pairs)
        .join(_R, _R.c.id == pairs.c.rid)
        .join(_L, _L.c.id == pairs.c.lid)
    )


def to_matcher_pairs(
    rows: Iterable[Any],
) -> tuple[list[tuple[matcher.RosterPerson, matcher.ListEntry]], dict[int, Any], dict[int, Any]]:
    """Rows of :func:`candidate_rows` as matcher inputs, dropping pairs no NIK kind can accept.

    Like :class:`~matching.matcher.ListIndex`, a pair whose two usable NIKs (both have keys) are more than
    one edit apart is dropped before scoring: it only shared a key by chance, and ``score_pair`` would
    reject it anyway. Such pairs met through NIK keys only: person keys never join two usable NIKs.
    """
    roster_people: dict[int, matcher.RosterPerson] = {}
    list_entries: dict[int, matcher.ListEntry] = {}
    roster_meta: dict[int, Any] = {}
    list_meta: dict[int, Any] = {}
    pairs: list[tuple[matcher.RosterPerson, matcher.ListEntry]] = []
    for row in rows:
        (
            rid,
            r_nik,
            r_raw,
            r_name,
            r_nip,
            r_numeric,
            lid,
            l_version,
            l_nik,
            l_raw,
            l_name,
            l_birth,
            l_regency,
            l_gender,
            l_numeric,
            r_keyed,
            l_keyed,
        ) = row
        if r_keyed is not None and l_keyed is not None and not _within_one_edit(r_nik, l_nik):
            continue
        person = roster_people.get(rid)
        if person is None:
            person = roster_people[rid] = roster_person(rid, r_nik, r_raw, r_name, r_nip, r_numeric)
            roster_meta[rid] = (r_nik, r_nip, r_name)
        entry = list_entries.get(lid)
        if entry is None:
            entry = list_entries[lid] = list_entry(
                lid, l_nik, l_raw, l_name, l_birth, l_regency, l_gender, l_numeric
            )
            list_meta[lid] = (l_version, l_nik, l_name, l_birth)
        pairs.append((person, entry))
    return pairs, roster_meta, list_meta


def _within_one_edit(a: str, b: str) -> bool:
    return matcher.compare_nik_digits(a, b)[0] != "different"


def roster_person(
    ref: int, nik: str | None, nik_raw: str, name: str, nip: str | None, numeric_cell: bool
) -> matcher.RosterPerson:
    """A stored roster row as the matcher's input.

    The matcher gets the NIK *as uploaded* (with the numeric-cell flag), not the normalised column, so it
    parses it exactly as the offline path does: same flags, same rejection reasons in explanations.
    """
    return matcher.RosterPerson(
        ref=ref, nik=nik_raw or nik or "", name=name, nip=nip, numeric_cell=bool(numeric_cell)
    )


def list_entry(
    ref: int,
    nik: str | None,
    nik_raw: str,
    name: str,
    birth_date: Any,
    regency: str | None,
    gender: str | None,
    numeric_cell: bool,
) -> matcher.ListEntry:
    return matcher.ListEntry(
        ref=ref,
        nik=nik_raw or nik or None,
        name=name,
        birth_date=birth_date,
        regency=regency,
        gender=gender,
        numeric_cell=bool(numeric_cell),
    )


def finding_row(
    found: matcher.Finding,
    *,
    roster_id: int,
    list_ids: dict[int, int],
    roster_meta: dict[int, Any],
    list_meta: dict[int, Any],
) -> dict[str, Any]:
    """A matcher finding as a ``findings`` row (without run, agency and review columns)."""
    from app.services.findings import pair_key

    r_nik, r_nip, r_name = roster_meta[int(found.roster_ref)]
    l_version, l_nik, l_name, l_birth = list_meta[int(found.list_ref)]
    return {
        "roster_entry_id": int(found.roster_ref),
        "list_entry_id": int(found.list_ref),
        "list_version_id": l_version,
        "pair_key": pair_key(roster_id, r_nik, r_nip, r_name, list_ids[l_version], l_nik, l_name, l_birth),
        "kind": found.kind,
        "match_class": found.match_class,
        "score": float(found.score),
        "explanation": [
            {"name": f.name, "outcome": f.outcome, "detail": f.detail} for f in found.explanation
        ],
    }


def generate_findings(
    session: Session,
    *,
    roster_id: int,
    roster_version_id: int,
    list_versions: dict[int, int],
    batch_size: int = 20_000,
    on_progress: ProgressCallback | None = None,
) -> ScoredRun:
    """Candidates from the database, scored by the matcher, as ``findings`` rows.

    ``list_versions`` maps each list version id to its list id.
    """
    result = ScoredRun()
    bounds = session.execute(
        select(func.min(_R.c.id), func.max(_R.c.id), func.count()).where(_R.c.version_id == roster_version_id)
    ).one()
    first, last, total = bounds
    result.rows_total = int(total or 0)
    if not total or not list_versions:
        if on_progress:
            on_progress(result.rows_total, result.rows_total, 0, 0)
        return result
    query = candidate_rows(roster_version_id, sorted(list_versions), first_id=first, last_id=last)
    rows = session.execute(query.order_by(_R.c.id).execution_options(yield_per=batch_size))
    matched: set[int] = set()
    for batch in rows.partitions():
        pairs, roster_meta, list_meta = to_matcher_pairs(batch)
        result.candidates += len(pairs)
        for found in matcher.score_pairs(pairs):
            result.findings.append(
                finding_row(
                    found,
                    roster_id=roster_id,
                    list_ids=list_versions,
                    roster_meta=roster_meta,
                    list_meta=list_meta,
                )
            )
            matched.add(int(found.roster_ref))
        if on_progress and batch:
            done = round(result.rows_total * (batch[-1][0] - first + 1) / (last - first + 1))
            on_progress(done, result.rows_total, len(result.findings), len(matched))
    if on_progress:
        on_progress(result.rows_total, result.rows_total, len(result.findings), len(matched))
    return result
