"""Findings for stored rows (read from the database, in shards) equal the in-memory engine's."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import Session

from app.models import Agency
from app.services import candidates, synthetic
from matching import engine, records
from matching.scoring import single_district_fits
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
    session: Session, roster: Stored, lists: list[Stored], *, shards: int
) -> set[tuple[Any, ...]]:
    """Findings of the roster matched in ``shards`` id ranges, as a check run's workers match it."""
    low, high = min(roster.ref_by_id), max(roster.ref_by_id)
    span = high - low + 1
    rows = []
    for k in range(shards):
        scored = candidates.generate_findings(
            session,
            roster_id=roster.parent_id,
            roster_version_id=roster.version_id,
            list_versions={s.version_id: s.parent_id for s in lists},
            first_id=low + k * span // shards,
            last_id=low + (k + 1) * span // shards - 1,
        )
        rows.extend(scored.findings)
    # As a check run does once every shard is done: a damaged NIK's district is decided over all of them.
    rows = single_district_fits(rows, lambda row: (row["list_entry_id"], row["kind"], row["score"]))
    list_refs = {row_id: ref for s in lists for row_id, ref in s.ref_by_id.items()}
    found = {
        (
            roster.ref_by_id[row["roster_entry_id"]],
            list_refs[row["list_entry_id"]],
            row["kind"],
            row["match_class"],
            row["score"],
            tuple((f["name"], f["outcome"], f["detail"]) for f in row["explanation"]),
        )
        for row in rows
    }
    assert len(found) == len(rows)  # no pair twice
    return found


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
        for f in engine.match(data.roster, data.entries)
    }


@pytest.mark.parametrize("shards", [1, 7])
def test_database_findings_are_the_in_memory_findings(
    session: Session, data: synthetic.Synthetic, stored: tuple[Stored, list[Stored]], shards: int
) -> None:
    roster, lists = stored
    in_db = _db_findings(session, roster, lists, shards=shards)
    in_memory = _memory_findings(data)

    assert in_db == in_memory
    # Every planted kind is present, so the equality covers every candidate path (NIK variants, both codes).
    assert {kind for _, _, kind, *_ in in_db} == set(synthetic.KINDS_PLANTED)


def test_progress_is_reported_from_start_to_end(
    session: Session, stored: tuple[Stored, list[Stored]]
) -> None:
    roster, lists = stored
    seen: list[tuple[int, int, int, int]] = []
    candidates.generate_findings(
        session,
        roster_id=roster.parent_id,
        roster_version_id=roster.version_id,
        list_versions={s.version_id: s.parent_id for s in lists},
        on_progress=lambda *args: seen.append(args),
    )
    assert seen[0][:2] == (0, len(roster.ref_by_id))
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


def test_cached_lists_are_reread_when_the_versions_change(
    session: Session, stored: tuple[Stored, list[Stored]]
) -> None:
    _, lists = stored
    versions = [s.version_id for s in lists]
    first = candidates.cached_lists(session, versions)
    assert candidates.cached_lists(session, versions) is first
    assert len(first.ids) == sum(len(s.ref_by_id) for s in lists)

    fewer = candidates.cached_lists(session, versions[:1])
    assert fewer is not first
    assert sorted(fewer.ids.tolist()) == sorted(lists[0].ref_by_id)
    newer = store_list(session, [records.ListEntry(1, "3271055203850001", "Siti Aminah")])
    assert len(candidates.cached_lists(session, [*versions, newer.version_id]).ids) == len(first.ids) + 1


def test_a_damaged_nik_fitting_people_of_several_shards_names_none(session: Session) -> None:
    """Which civil servant alone fits a damaged NIK's district is decided over the whole run, not per shard:
    the first shard sees one namesake, the second two; none may be reported."""
    agency: Agency = factories.create_agency(session)
    people = [
        records.RosterPerson(1, "3204261208850003", "Asep Kusumaningrum"),
        records.RosterPerson(2, "3204261208850004", "Asep Kusumaningrum, S.Pd."),
        records.RosterPerson(3, "3204261208850005", "Drs. Asep Kusumaningrum"),
    ]
    roster = store_roster(session, agency, people)
    damaged = store_list(session, [records.ListEntry(1, "3.20426E+15", "ASEP KUSUMANINGRUM")], owner="Partai")
    assert _db_findings(session, roster, [damaged], shards=2) == set()
    one = store_roster(session, agency, people[:1])
    alone = _db_findings(session, one, [damaged], shards=1)
    assert [kind for _, _, kind, *_ in alone] == ["nik_district_name"]
