"""``netra demo``: a synthetic data set to try Netra with — fake people from :mod:`app.services.synthetic`,
never real ones.

Creates the agency ``DEMO`` with an operator, a steward, an auditor (users and API keys), a roster and two
lists (party members, supporters) with planted findings. The rows are written as the files people really
send — an Excel roster with a title row and NIKs some of which sit in numeric cells, a semicolon CSV with a
BOM in the style of a SIPOL export, a plain CSV of supporters — and then stored through the same ingestion
services an upload uses, so the demo exercises the real path. Running it again changes nothing.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlmodel import Session, col, select

from app.models import ApiKey, Roster, User, WatchList
from app.services import agencies, auth, ingestion, lists, rosters, synthetic
from app.services.principals import Principal
from matching.records import ListEntry as MatchListEntry

AGENCY_CODE = "DEMO"
AGENCY_NAME = "Badan Kepegawaian Daerah Kota Demo"
ROSTER_NAME = "Daftar ASN Kota Demo"
ELECTION = "Pemilu 2024 (demo)"
REGION = "Kota Demo"
LISTS = (("party_member", "Partai Contoh (demo)"), ("supporter", "Calon DPD Contoh (demo)"))
DEMO_PASSWORD = "netra-demo-123"
USERS = (("operator.demo", "operator"), ("steward.demo", "steward"), ("auditor.demo", "auditor"))
KEYS = (("demo-operator", "operator"), ("demo-steward", "steward"), ("demo-auditor", "auditor"))
UNITS = (
    "Dinas Pendidikan",
    "Dinas Kesehatan",
    "Badan Perencanaan Pembangunan Daerah",
    "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Sekretariat Daerah",
    "Kecamatan Kota Barat",
    "RSUD Kota Demo",
)
DEMO_PRINCIPAL = Principal(kind="cli", id=0, name="demo", role="admin")


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    new_keys: dict[str, str] = field(default_factory=dict)  # name -> plain key, shown once
    files: list[Path] = field(default_factory=list)


def _write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ",",
    title: str | None = None,
    encoding: str = "utf-8",
) -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        if title:
            writer.writerow([title])
            writer.writerow([])
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _write_roster_xlsx(path: Path, data: synthetic.Synthetic) -> Path:
    """An HR export: title rows, then NIP and NIK columns; NIKs typed as numbers where the generator says the
    cell was numeric, which is how Excel loses their 16th digit."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Pegawai")
    sheet.write_string(0, 0, f"DAFTAR PEGAWAI ASN {REGION.upper()}")
    sheet.write_string(1, 0, "Keadaan per 1 Januari 2024")
    for column, title in enumerate(("No", "NIP", "NIK", "Nama Lengkap", "Unit Kerja")):
        sheet.write_string(3, column, title)
    for index, person in enumerate(data.roster):
        row = 4 + index
        sheet.write_number(row, 0, index + 1)
        sheet.write_string(row, 1, person.nip or "")
        if person.numeric_cell and person.nik.isdigit():
            sheet.write_number(row, 2, float(person.nik))
        else:
            sheet.write_string(row, 2, person.nik)
        sheet.write_string(row, 3, person.name)
        sheet.write_string(row, 4, UNITS[index % len(UNITS)])
    workbook.close()
    return path


def write_files(out_dir: Path, data: synthetic.Synthetic) -> tuple[Path, list[Path]]:
    """The roster (XLSX, plus a CSV copy for trying uploads) and one file per list; returns the roster
    workbook and the list files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    roster = _write_roster_xlsx(out_dir / "roster_asn.xlsx", data)
    _write_csv(
        out_dir / "roster_asn.csv",
        ("NIK", "Nama", "NIP", "Unit Kerja"),
        ((p.nik, p.name, p.nip or "", UNITS[i % len(UNITS)]) for i, p in enumerate(data.roster)),
    )
    party_member, supporter = (_entries_for(data, index) for index in range(len(LISTS)))
    party_file = _write_csv(
        out_dir / "daftar_party_member.csv",
        ("NIK", "Nama", "Jenis Kelamin", "Tanggal Lahir", "Kab/Kota", "No. KTA"),
        (
            (
                e.nik or "",
                e.name,
                {"M": "L", "F": "P"}.get(e.gender or "", ""),
                e.birth_date.strftime("%d-%m-%Y") if e.birth_date else "",
                e.regency or "",
                f"KTA-{position:07d}",
            )
            for position, e in enumerate(party_member, start=1)
        ),
        delimiter=";",
        title=f"DATA ANGGOTA {LISTS[0][1].upper()}",
        encoding="utf-8-sig",
    )
    supporter_file = _write_csv(
        out_dir / "daftar_supporter.csv",
        ("NIK", "Nama Lengkap", "Tanggal Lahir", "Jenis Kelamin", "Kab/Kota"),
        (
            (
                e.nik or "",
                e.name,
                e.birth_date.isoformat() if e.birth_date else "",
                e.gender or "",
                e.regency or "",
            )
            for e in supporter
        ),
    )
    return roster, [party_file, supporter_file]


def _entries_for(data: synthetic.Synthetic, index: int) -> list[MatchListEntry]:
    # Alternate rows between the two lists, so planted findings land on both.
    return [entry for position, entry in enumerate(data.entries) if position % len(LISTS) == index]


def _store_roster(session: Session, path: Path) -> str:
    upload = ingestion.describe_file(path)
    result = rosters.create_roster(
        session,
        DEMO_PRINCIPAL,
        name=ROSTER_NAME,
        agency_code=AGENCY_CODE,
        upload=upload,
        inline=True,
        keep_file=True,
    )
    return f"{result.version.accepted} rows, {result.version.rejected} rejected"


def _store_list(session: Session, list_type: str, owner: str, path: Path) -> str:
    upload = ingestion.describe_file(path)
    result = lists.create_list(
        session,
        DEMO_PRINCIPAL,
        list_type=list_type,
        owner=owner,
        election=ELECTION,
        region=REGION,
        upload=upload,
        inline=True,
        keep_file=True,
    )
    return f"{list_type}, {result.version.accepted} rows, {result.version.rejected} rejected"


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
        agency = agencies.create_agency(
            session, code=AGENCY_CODE, name=AGENCY_NAME, actor=DEMO_PRINCIPAL.actor
        )
        agencies.set_letterhead(
            session,
            AGENCY_CODE,
            {
                "parent_body": "Pemerintah Kota Contoh (demo)",
                "address": "Jl. Contoh No. 1, Kota Contoh — data fiktif",
                "city": "Kota Contoh",
                "signatory_title": f"Kepala {AGENCY_NAME}",
            },
            actor=DEMO_PRINCIPAL.actor,
        )
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
            session,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            agency_code=code,
            actor=DEMO_PRINCIPAL.actor,
        )
        result.created.append(f"user {username} (password {DEMO_PASSWORD})")

    for name, role in KEYS:
        live = select(ApiKey).where(ApiKey.name == name, col(ApiKey.revoked_at).is_(None))
        if session.exec(live).first() is not None:
            result.existing.append(f"API key {name}")
            continue
        code = AGENCY_CODE if role == "operator" else None
        _key, plain = auth.create_api_key(
            session, role=role, name=name, agency_code=code, actor=DEMO_PRINCIPAL.actor
        )
        result.new_keys[name] = plain
        result.created.append(f"API key {name}")

    session.commit()
    roster_exists = session.exec(
        select(Roster).where(
            Roster.agency_id == agency.id, Roster.name == ROSTER_NAME, col(Roster.deleted_at).is_(None)
        )
    ).first()
    if roster_exists is None:
        result.created.append(f"roster {ROSTER_NAME!r} ({_store_roster(session, roster_path)})")
    else:
        result.existing.append(f"roster {ROSTER_NAME!r}")
    for (list_type, owner), path in zip(LISTS, list_paths, strict=True):
        found = select(WatchList).where(
            WatchList.owner == owner, WatchList.election == ELECTION, col(WatchList.deleted_at).is_(None)
        )
        if session.exec(found).first() is not None:
            result.existing.append(f"list {owner!r}")
            continue
        result.created.append(f"list {owner!r} ({_store_list(session, list_type, owner, path)})")
    session.commit()

    if result.new_keys:
        credentials = out_dir / "credentials.txt"
        with credentials.open("a", encoding="utf-8") as handle:
            for name, plain in result.new_keys.items():
                handle.write(f"{name}\t{plain}\n")
        os.chmod(credentials, 0o600)
    return result
