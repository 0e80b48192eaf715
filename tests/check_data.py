"""Rosters and lists stored straight into the tables, as ingestion stores them.

Check-run tests need many rows with known matcher inputs; going through file uploads would test ingestion
instead. The columns are filled the way ingestion fills them: the NIK as uploaded in ``nik_raw`` and its
normalised digits in ``nik``.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from app.models import (
    Agency,
    ListEntry,
    ListVersion,
    Roster,
    RosterEntry,
    RosterVersion,
    WatchList,
)
from matching import records
from matching.nik import parse_nik

_counter = itertools.count(1)


@dataclass
class Stored:
    """Ids of what was stored, and the matcher ref each stored row came from."""

    parent_id: int
    version_id: int
    ref_by_id: dict[int, int | str]
    id_by_ref: dict[int | str, int]


def _version_values(name: str, rows: int) -> dict[str, Any]:
    return {
        "version": 1,
        "status": "active",
        "file_name": name,
        "file_size": rows * 80,
        "file_sha256": hashlib.sha256(name.encode()).hexdigest(),
        "uploaded_by": "test",
        "rows_total": rows,
        "rows_processed": rows,
        "accepted": rows,
    }


def store_roster(
    session: Session,
    agency: Agency,
    people: Sequence[records.RosterPerson],
    *,
    units: Sequence[str | None] | None = None,
    roster: Roster | None = None,
) -> Stored:
    """A roster (or a new active version of ``roster``) holding ``people``. Commits."""
    if roster is None:
        roster = Roster(agency_id=agency.id or 0, name=f"Roster {next(_counter)}", created_by="test")
        session.add(roster)
        session.flush()
    assert roster.id is not None
    version = RosterVersion(roster_id=roster.id, **_version_values(f"pegawai-{roster.id}.xlsx", len(people)))
    session.add(version)
    session.flush()
    assert version.id is not None
    rows = []
    for line, person in enumerate(people, start=2):
        nik = parse_nik(person.nik, numeric_cell=person.numeric_cell)
        rows.append(
            {
                "version_id": version.id,
                "line": line,
                "nik": nik.digits,
                "nik_raw": str(person.nik),
                "name": person.name,
                "nip": person.nip,
                "numeric_cell": person.numeric_cell,
                "unit": units[line - 2] if units is not None else "Dinas Pendidikan",
                "flags": ",".join(sorted(nik.flags)),
            }
        )
    if rows:
        session.execute(insert(RosterEntry), rows)
    roster.active_version_id = version.id
    session.add(roster)
    session.commit()
    return _stored(session, RosterEntry, roster.id, version.id, [p.ref for p in people])


def store_list(
    session: Session,
    entries: Sequence[records.ListEntry],
    *,
    list_type: str = "party_member",
    owner: str = "Partai Contoh",
    election: str = "Pemilu 2024",
    watch_list: WatchList | None = None,
) -> Stored:
    """A list (or a new active version of ``watch_list``) holding ``entries``. Commits."""
    if watch_list is None:
        watch_list = WatchList(list_type=list_type, owner=owner, election=election, created_by="test")
        session.add(watch_list)
        session.flush()
    assert watch_list.id is not None
    previous = watch_list.active_version_id
    number = 1 + (session.get(ListVersion, previous).version if previous else 0)  # type: ignore[union-attr]
    values = _version_values(f"list-{watch_list.id}-v{number}.csv", len(entries)) | {"version": number}
    version = ListVersion(list_id=watch_list.id, **values)
    session.add(version)
    session.flush()
    assert version.id is not None
    rows = []
    for line, entry in enumerate(entries, start=2):
        nik = parse_nik(entry.nik, numeric_cell=entry.numeric_cell) if entry.nik is not None else None
        rows.append(
            {
                "version_id": version.id,
                "line": line,
                "nik": nik.digits if nik is not None else None,
                "nik_raw": "" if entry.nik is None else str(entry.nik),
                "name": entry.name,
                "birth_date": entry.birth_date,
                "regency": entry.regency,
                "gender": entry.gender,
                "numeric_cell": entry.numeric_cell,
                "flags": ",".join(sorted(nik.flags)) if nik is not None else "",
            }
        )
    if rows:
        session.execute(insert(ListEntry), rows)
    if previous is not None:
        old = session.get(ListVersion, previous)
        assert old is not None
        old.status = "superseded"
        session.add(old)
    watch_list.active_version_id = version.id
    session.add(watch_list)
    session.commit()
    return _stored(session, ListEntry, watch_list.id, version.id, [e.ref for e in entries])


def _stored(
    session: Session,
    model: type[RosterEntry] | type[ListEntry],
    parent_id: int,
    version_id: int,
    refs: list[Any],
) -> Stored:
    ids = session.execute(
        select(col(model.id), col(model.line)).where(col(model.version_id) == version_id)
    ).all()
    ref_by_id = {int(row_id): refs[line - 2] for row_id, line in ids}
    return Stored(parent_id, version_id, ref_by_id, {ref: row_id for row_id, ref in ref_by_id.items()})


# --- a small world: one agency's roster, two lists, known findings ----------------------------------------

ROSTER = (
    records.RosterPerson(1, "3271055203850001", "Dra. Siti Aminah, M.Pd.", nip="198503122010012001"),
    records.RosterPerson(2, "3171014506870123", "Budi Santoso"),
    records.RosterPerson(3, "3273011208900002", "Agus Suprianto"),
    records.RosterPerson(4, "3273011208900099", "Rina Marlina"),
)
PARTY = (
    records.ListEntry(11, "3271055203850001", "SITI AMINAH"),  # nik_exact, confirmed
    # Same NIK, another name — and a name that a spreadsheet would run as a formula.
    records.ListEntry(12, "3171014506870123", '=HYPERLINK("http://x.example","klik")'),
)
SUPPORTERS = (
    records.ListEntry(13, "3273011208900020", "Agus Suprianto"),  # nik_one_digit, probable
    records.ListEntry(14, "3374011208900099", "Rina Marlina"),  # another person: no finding
)
UNITS = ("Dinas Pendidikan", "Dinas Kesehatan", "Dinas Pendidikan", "Sekretariat Daerah")


@dataclass
class World:
    agency: Agency
    roster: Stored
    party: Stored
    supporters: Stored


def make_world(session: Session, agency: Agency) -> World:
    return World(
        agency,
        store_roster(session, agency, ROSTER, units=UNITS),
        store_list(session, PARTY, list_type="party_member", owner="Partai Contoh", election="Pemilu 2024"),
        store_list(session, SUPPORTERS, list_type="supporter", owner="Calon Dua", election="Pilkada 2024"),
    )


def drain_checks(session: Session) -> int:
    """Run every queued check job on the test connection, as a worker would; returns how many ran."""
    from app import db
    from app.services import checks, jobs

    ran = 0
    while (job := jobs.claim(session, worker="test-worker", kinds=[checks.JOB_KIND])) is not None:
        assert job.id is not None
        ctx = jobs.JobContext(
            engine=db.get_bind(),
            job_id=job.id,
            kind=job.kind,
            target_id=job.target_id,
            payload=dict(job.payload),
            attempt=job.attempts,
            worker="test-worker",
        )
        checks.run_check_job(ctx)
        jobs.complete(session, job.id, worker="test-worker")
        ran += 1
    return ran
