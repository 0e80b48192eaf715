"""``netra demo``: a synthetic data set to try Netra with — fake people from :mod:`matching.synthetic`, never
real ones.

Creates the agency ``DEMO`` with an operator, a steward, an auditor (users and API keys), a roster and two
lists (party members, supporters) with planted findings, and writes the same rows as CSV files into an
output folder so they can be re-imported or opened in a spreadsheet. Running it again changes nothing.

Until the ingestion services exist, rows are stored here with a small bulk insert that computes the same
normalised NIK and blocking-key columns ingestion stores (``matching.nik`` and ``matching.blocking``).
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import (
    ApiKey,
    ListEntry,
    ListVersion,
    Roster,
    RosterEntry,
    RosterVersion,
    User,
    WatchList,
    utcnow,
)
from app.services import agencies, auth
from matching import synthetic
from matching.blocking import entry_keys, roster_keys
from matching.matcher import ListEntry as MatchListEntry
from matching.matcher import RosterPerson
from matching.nik import parse_nik

AGENCY_CODE = "DEMO"
AGENCY_NAME = "Badan Kepegawaian Daerah Kota Demo"
ROSTER_NAME = "Daftar ASN Kota Demo"
ELECTION = "Pemilu 2024 (demo)"
LISTS = (("party_member", "Partai Contoh (demo)"), ("supporter", "Calon DPD Contoh (demo)"))
DEMO_PASSWORD = "netra-demo-123"
USERS = (("operator.demo", "operator"), ("steward.demo", "steward"), ("auditor.demo", "auditor"))
KEYS = (("demo-operator", "operator"), ("demo-steward", "steward"), ("demo-auditor", "auditor"))
ACTOR = "cli:demo"
BATCH = 1000


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    new_keys: dict[str, str] = field(default_factory=dict)  # name -> plain key, shown once
    files: list[Path] = field(default_factory=list)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_files(out_dir: Path, data: synthetic.Synthetic) -> tuple[Path, list[Path]]:
    """The roster and one file per list, as an agency or a party would send them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    roster = _write_csv(
        out_dir / "roster_asn.csv",
        ("NIK", "Nama", "NIP"),
        ((p.nik, p.name, p.nip or "") for p in data.roster),
    )
    header = ("NIK", "Nama Lengkap", "Tanggal Lahir", "Jenis Kelamin", "Kab/Kota")
    lists = []
    for index, (list_type, _owner) in enumerate(LISTS):
        rows = (
            (
                e.nik or "",
                e.name,
                e.birth_date.isoformat() if e.birth_date else "",
                e.gender or "",
                e.regency or "",
            )
            for e in _entries_for(data, index)
        )
        lists.append(_write_csv(out_dir / f"daftar_{list_type}.csv", header, rows))
    return roster, lists


def _entries_for(data: synthetic.Synthetic, index: int) -> list[MatchListEntry]:
    # Alternate rows between the two lists, so planted findings land on both.
    return [entry for position, entry in enumerate(data.entries) if position % len(LISTS) == index]


def _roster_row(line: int, person: RosterPerson, version_id: int) -> dict[str, Any]:
    nik = parse_nik(person.nik, numeric_cell=person.numeric_cell)
    keys = roster_keys(person)
    return {
        "version_id": version_id,
        "line": line,
        "nik": keys.nik,
        "nik_raw": person.nik[:64],
        "name": person.name,
        "birth_date": nik.birth_date if nik.trusted else None,
        "gender": nik.gender if nik.trusted else None,
        "regency": nik.regency,
        "flags": ",".join(sorted(nik.flags)),
        "numeric_cell": person.numeric_cell,
        "nik_k1": keys.nik_k1,
        "nik_k2": keys.nik_k2,
        "nik_k3": keys.nik_k3,
        "nik_k4": keys.nik_k4,
        "nik15": keys.nik15,
        "person_key": keys.person_key,
        "nip": person.nip,
        "unit": None,
    }


def _list_row(line: int, entry: MatchListEntry, version_id: int) -> dict[str, Any]:
    nik = parse_nik(entry.nik or "", numeric_cell=entry.numeric_cell)
    keys = entry_keys(entry)
    return {
        "version_id": version_id,
        "line": line,
        "nik": keys.nik,
        "nik_raw": (entry.nik or "")[:64],
        "name": entry.name,
        "birth_date": entry.birth_date,
        "gender": entry.gender,
        "regency": entry.regency or nik.regency,
        "flags": ",".join(sorted(nik.flags)),
        "numeric_cell": entry.numeric_cell,
        "nik_k1": keys.nik_k1,
        "nik_k2": keys.nik_k2,
        "nik_k3": keys.nik_k3,
        "nik_k4": keys.nik_k4,
        "nik15": keys.nik15,
        "person_key": keys.person_key,
        "address": None,
        "kta": None,
        "occupation": None,
    }


def _bulk_insert(session: Session, table: Any, rows: Iterable[dict[str, Any]]) -> int:
    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            session.connection().execute(sa.insert(table), batch)
            count, batch = count + len(batch), []
    if batch:
        session.connection().execute(sa.insert(table), batch)
        count += len(batch)
    return count


def _version_columns(path: Path, rows: int) -> dict[str, Any]:
    return {
        "status": "active",
        "file_name": path.name,
        "file_size": path.stat().st_size,
        "file_sha256": _sha256(path),
        "uploaded_by": ACTOR,
        "rows_total": rows,
        "rows_processed": rows,
        "accepted": rows,
        "finished_at": utcnow(),
    }


def _load_roster(session: Session, agency_id: int, path: Path, people: Sequence[RosterPerson]) -> None:
    roster = Roster(agency_id=agency_id, name=ROSTER_NAME, created_by=ACTOR)
    session.add(roster)
    session.flush()
    assert roster.id is not None
    version = RosterVersion(roster_id=roster.id, **_version_columns(path, len(people)))
    session.add(version)
    session.flush()
    assert version.id is not None
    version_id = version.id
    _bulk_insert(
        session, RosterEntry, (_roster_row(line, p, version_id) for line, p in enumerate(people, start=2))
    )
    roster.active_version_id = version_id
    session.add(roster)


def _load_list(
    session: Session, list_type: str, owner: str, path: Path, entries: Sequence[MatchListEntry]
) -> None:
    watch = WatchList(
        list_type=list_type, owner=owner, election=ELECTION, region="Kota Demo", created_by=ACTOR
    )
    session.add(watch)
    session.flush()
    assert watch.id is not None
    version = ListVersion(list_id=watch.id, **_version_columns(path, len(entries)))
    session.add(version)
    session.flush()
    assert version.id is not None
    version_id = version.id
    _bulk_insert(
        session, ListEntry, (_list_row(line, e, version_id) for line, e in enumerate(entries, start=2))
    )
    watch.active_version_id = version_id
    session.add(watch)


def run_demo(session: Session, out_dir: Path, *, seed: int = 2024, roster_size: int = 500) -> DemoResult:
    """Create (or find) the demo agency, people, keys and data. Idempotent."""
    result = DemoResult()
    # Generate and write first: if that fails, nothing has been stored yet.
    data = synthetic.generate(
        seed, roster_size=roster_size, list_size=roster_size * 10, plant_per_kind=10, decoys_per_type=10
    )
    roster_path, list_paths = write_files(out_dir, data)
    result.files = [roster_path, *list_paths]

    agency = agencies.get_agency_by_code(session, AGENCY_CODE)
    if agency is None:
        agency = agencies.create_agency(session, code=AGENCY_CODE, name=AGENCY_NAME, actor=ACTOR)
        result.created.append(f"agency {AGENCY_CODE}")
    else:
        result.existing.append(f"agency {AGENCY_CODE}")
    assert agency.id is not None

    for username, role in USERS:
        if session.exec(select(User).where(User.username == username)).first() is not None:
            result.existing.append(f"user {username}")
            continue
        code = AGENCY_CODE if role == "operator" else None
        auth.create_user(
            session, username=username, password=DEMO_PASSWORD, role=role, agency_code=code, actor=ACTOR
        )
        result.created.append(f"user {username} (password {DEMO_PASSWORD})")

    for name, role in KEYS:
        live = select(ApiKey).where(ApiKey.name == name, col(ApiKey.revoked_at).is_(None))
        if session.exec(live).first() is not None:
            result.existing.append(f"API key {name}")
            continue
        code = AGENCY_CODE if role == "operator" else None
        _key, plain = auth.create_api_key(session, role=role, name=name, agency_code=code, actor=ACTOR)
        result.new_keys[name] = plain
        result.created.append(f"API key {name}")

    roster_exists = session.exec(
        select(Roster).where(Roster.agency_id == agency.id, Roster.name == ROSTER_NAME)
    ).first()
    if roster_exists is None:
        _load_roster(session, agency.id, roster_path, data.roster)
        result.created.append(f"roster {ROSTER_NAME!r} ({len(data.roster)} rows)")
    else:
        result.existing.append(f"roster {ROSTER_NAME!r}")
    for index, ((list_type, owner), path) in enumerate(zip(LISTS, list_paths, strict=True)):
        found = select(WatchList).where(WatchList.owner == owner, WatchList.election == ELECTION)
        if session.exec(found).first() is not None:
            result.existing.append(f"list {owner!r}")
            continue
        entries = _entries_for(data, index)
        _load_list(session, list_type, owner, path, entries)
        result.created.append(f"list {owner!r} ({list_type}, {len(entries)} rows)")
    session.commit()

    if result.new_keys:
        credentials = out_dir / "credentials.txt"
        with credentials.open("a", encoding="utf-8") as handle:
            for name, plain in result.new_keys.items():
                handle.write(f"{name}\t{plain}\n")
        os.chmod(credentials, 0o600)
    return result
