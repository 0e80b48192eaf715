"""Candidates generated inside the database equal the in-memory matcher's, and so do the findings."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import Session

from app.models import Agency
from app.services import candidates
from matching import matcher, synthetic
from tests import factories
from tests.check_data import Stored, store_list, store_roster


@pytest.fixture(scope="module")
def data() -> synthetic.Synthetic:
    generated = synthetic.generate(7, roster_size=400, list_size=4000, plant_per_kind=20, decoys_per_type=20)
    # A stored row cannot tell an empty NIK cell from a missing NIK column (``nik_raw`` is "" for both, and
    # the matcher then explains "none given"); give the in-memory side the same input.
    entries = tuple(replace(e, nik=None) if e.nik == "" else e for e in generated.entries)
    return replace(generated, entries=entries)


@pytest.fixture
def stored(session: Session, data: synthetic.Synthetic) -> tuple[Stored, list[Stored]]:
    agency: Agency = factories.create_agency(session)
    roster = store_roster(session, agency, data.roster)
    # Two lists, so the joins cover several list versions at once.
    half = len(data.entries) // 2
    lists = [
        store_list(session, data.entries[:half], owner="Partai Satu"),
        store_list(session, data.entries[half:], list_type="supporter", owner="Calon Dua"),
    ]
    return roster, lists


def _db_findings(
    session: Session, roster: Stored, lists: list[Stored], *, batch_size: int
) -> set[tuple[Any, ...]]:
    scored = candidates.generate_findings(
        session,
        roster_id=roster.parent_id,
        roster_version_id=roster.version_id,
        list_versions={s.version_id: s.parent_id for s in lists},
        batch_size=batch_size,
    )
    list_refs = {row_id: ref for s in lists for row_id, ref in s.ref_by_id.items()}
    return {
        (
            roster.ref_by_id[row["roster_entry_id"]],
            list_refs[row["list_entry_id"]],
            row["kind"],
            row["match_class"],
            row["score"],
            tuple((f["name"], f["outcome"], f["detail"]) for f in row["explanation"]),
        )
        for row in scored.findings
    }


def _memory_findings(data: synthetic.Synthetic) -> set[tuple[Any, ...]]:
    return {
        (
            f.roster_ref,
            f.list_ref,
            f.kind,
            f.match_class,
            f.score,
            tuple((e.name, e.outcome, e.detail) for e in f.explanation),
        )
        for f in matcher.match(data.roster, data.entries)
    }


def test_database_candidates_are_the_in_memory_candidates(
    session: Session, data: synthetic.Synthetic, stored: tuple[Stored, list[Stored]]
) -> None:
    roster, lists = stored
    first, last = min(roster.ref_by_id), max(roster.ref_by_id)
    rows = session.execute(
        candidates.candidate_rows(
            roster.version_id, [s.version_id for s in lists], first_id=first, last_id=last
        )
    ).all()
    pairs, _, _ = candidates.to_matcher_pairs(rows)
    list_refs = {row_id: ref for s in lists for row_id, ref in s.ref_by_id.items()}
    in_db = {(roster.ref_by_id[int(r.ref)], list_refs[int(e.ref)]) for r, e in pairs}

    index = matcher.ListIndex(data.entries)
    in_memory = {(data.roster[r].ref, data.entries[e].ref) for r, e in index.candidates(data.roster)}

    assert in_db == in_memory
    assert len(in_db) > 100  # the comparison is not vacuous
    # The SQL joins alone find every pair sharing a key; only NIKs too far apart were left out after.
    assert len(rows) >= len(in_db)


@pytest.mark.parametrize("batch_size", [5_000, 97])
def test_database_findings_are_the_in_memory_findings(
    session: Session, data: synthetic.Synthetic, stored: tuple[Stored, list[Stored]], batch_size: int
) -> None:
    roster, lists = stored
    in_db = _db_findings(session, roster, lists, batch_size=batch_size)
    in_memory = _memory_findings(data)

    assert in_db == in_memory
    # Every planted kind is present, so the equality covers every candidate path (NIK keys, both person keys).
    assert {kind for _, _, kind, *_ in in_db} == set(synthetic.KINDS_PLANTED)


def test_progress_is_reported_per_slice(session: Session, stored: tuple[Stored, list[Stored]]) -> None:
    roster, lists = stored
    seen: list[tuple[int, int, int, int]] = []
    candidates.generate_findings(
        session,
        roster_id=roster.parent_id,
        roster_version_id=roster.version_id,
        list_versions={s.version_id: s.parent_id for s in lists},
        batch_size=20,
        on_progress=lambda *args: seen.append(args),
    )
    assert len(seen) >= 4
    assert [done for done, *_ in seen] == sorted(done for done, *_ in seen)
    done, total, findings, matched = seen[-1]
    assert done == total == len(roster.ref_by_id)
    assert 0 < matched <= findings


def test_nothing_to_do_without_lists(session: Session, stored: tuple[Stored, list[Stored]]) -> None:
    roster, _ = stored
    scored = candidates.generate_findings(
        session, roster_id=roster.parent_id, roster_version_id=roster.version_id, list_versions={}
    )
    assert scored.findings == []
    assert scored.rows_total == len(roster.ref_by_id)
