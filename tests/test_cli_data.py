"""``netra lists import`` and ``netra rosters import`` (on the test transaction), offline ``netra match``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app import cli
from app.models import Agency, AuditEvent, ListVersion, Roster, WatchList
from app.services.offline import MATCH_COLUMNS

runner = CliRunner()

ROSTER = [
    ["Daftar Pegawai"],
    ["NIK", "NIP", "Nama", "Unit Kerja"],
    ["3271055203850001", "198503122010012001", "Siti Aminah, S.Pd.", "Dinas Pendidikan"],
    ["3271051203850002", "198503122010011002", "Budi Santoso", "Dinas Kesehatan"],
    ["bukan nik", "", "Rusak", "Sekretariat"],
]
PARTY = [
    ["NIK", "Nama Lengkap"],
    ["3271055203850001", "Siti Aminah"],  # the same person: nik_exact
    ["3271051203850002", "Joko Susilo"],  # Budi's NIK, another name: conflict ("dicatut")
    ["3271051203850002", "Joko Lagi"],  # duplicate NIK: rejected
]


# Settings from the environment, as the command reads them (see the cli_environment fixture).
pytestmark = pytest.mark.usefixtures("cli_environment")


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_match_writes_findings_and_rejections(tmp_path: Path) -> None:
    roster = write(tmp_path / "pegawai.csv", ROSTER)
    write(tmp_path / "anggota.csv", PARTY)
    manifest = tmp_path / "lists.json"
    manifest.write_text(
        json.dumps(
            [{"file": "anggota.csv", "list_type": "party_member", "owner": "Partai X", "election": "2029"}]
        )
    )
    result = runner.invoke(
        cli.app, ["match", str(roster), "--manifest", str(manifest), "--output", "out/f.csv"]
    )
    assert result.exit_code == 0, result.output
    assert "2 findings" in result.output

    with (tmp_path / "out" / "f.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(MATCH_COLUMNS)
    kinds = {(row["roster_line"], row["list_line"]): (row["kind"], row["class"]) for row in rows}
    assert kinds == {
        ("3", "2"): ("nik_exact", "confirmed"),
        ("4", "3"): ("nik_match_name_mismatch", "conflict"),
    }
    assert {row["list_file"] for row in rows} == {"anggota.csv"}
    assert {row["owner"] for row in rows} == {"Partai X"}
    assert all(row["explanation"] for row in rows)

    with (tmp_path / "out" / "f.rejected.csv").open(encoding="utf-8") as handle:
        rejected = [(row["file"], row["line"], row["reason"]) for row in csv.DictReader(handle)]
    assert rejected == [(str(roster), "5", "nik_non_digit"), ("anggota.csv", "4", "duplicate_nik")]


def test_match_defuses_formulas_as_every_export_does(tmp_path: Path) -> None:
    roster = write(tmp_path / "pegawai.csv", [["NIK", "Nama"], ["3271055203850001", "=Siti Aminah"]])
    party = write(tmp_path / "anggota.csv", [["NIK", "Nama"], ["3271055203850001", "@SITI AMINAH"]])
    result = runner.invoke(cli.app, ["match", str(roster), str(party), "--output", str(tmp_path / "f.csv")])
    assert result.exit_code == 0, result.output
    with (tmp_path / "f.csv").open(encoding="utf-8") as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["roster_name"], row["list_name"]) == ("'=Siti Aminah", "'@SITI AMINAH")


def test_match_to_xlsx_keeps_niks_as_text(tmp_path: Path) -> None:
    roster = write(tmp_path / "pegawai.csv", ROSTER)
    party = write(tmp_path / "anggota.csv", PARTY)
    output = tmp_path / "f.xlsx"
    result = runner.invoke(
        cli.app, ["match", str(roster), str(party), "--output", str(output), "--owner", "P"]
    )
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(output, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    assert rows[0] == MATCH_COLUMNS
    assert rows[1][1] == "3271055203850001"  # text, all 16 digits
    assert (tmp_path / "f.rejected.xlsx").exists()


def test_match_finds_people_through_regency_names_and_numeric_nips(tmp_path: Path) -> None:
    # An XLSX roster with NIP and NIK typed into numeric cells, as HR exports are.
    roster = tmp_path / "pegawai.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["NIK", "Nama Pegawai", "NIP Baru"])
    sheet.append(["3.27301E+15", "Ahmad Fauzi, S.H.", 198202142008011003])  # found through the NIP
    sheet.append(["5171015506920001", "Ni Made Ayu Lestari, S.Kep., Ns.", 199206152019032001])
    workbook.save(roster)
    # A supporter list with no NIK column at all, the regency written by name.
    support = write(
        tmp_path / "dukungan.csv",
        [
            ["Nama", "TTL", "Kabupaten/Kota"],
            ["NI MADE AYU LESTARI", "Denpasar, 15-06-1992", "KOTA DENPASAR"],
            ["Siti Aminah", "Bandung, 01-01-1970", "Kota Bandung"],
        ],
    )
    party = write(tmp_path / "anggota.csv", [["NIK", "Nama"], ["3273011402820009", "Achmad Fauzi"]])
    output = tmp_path / "f.csv"
    result = runner.invoke(cli.app, ["match", str(roster), str(support), str(party), "-o", str(output)])
    assert result.exit_code == 0, result.output
    with output.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    found = {(row["roster_line"], row["list_file"], row["list_line"], row["kind"]) for row in rows}
    assert found == {
        ("2", str(party), "2", "nip_birth_name"),
        ("3", str(support), "2", "name_birth_region"),
    }


def test_match_refuses_bad_arguments(tmp_path: Path) -> None:
    roster = write(tmp_path / "pegawai.csv", ROSTER)
    assert runner.invoke(cli.app, ["match", str(roster)]).exit_code != 0
    party = write(tmp_path / "anggota.csv", PARTY)
    assert runner.invoke(cli.app, ["match", str(roster), str(party), "-o", "x.txt"]).exit_code != 0


def test_lists_import_and_replace(session: Session, tmp_path: Path) -> None:
    party = write(tmp_path / "anggota.csv", PARTY)
    args = [
        "lists",
        "import",
        str(party),
        "--type",
        "party_member",
        "--owner",
        "Partai X",
        "--election",
        "2029",
    ]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    assert "2 accepted, 1 rejected" in result.output
    watch_list = session.exec(select(WatchList).where(WatchList.owner == "Partai X")).one()
    assert party.exists()  # the user's own file is never removed

    again = runner.invoke(
        cli.app,
        [*args[:3], "--type", "x", "--owner", "o", "--election", "e", "--replace", str(watch_list.id)],
    )
    assert again.exit_code == 0, again.output
    versions = session.exec(select(ListVersion).where(ListVersion.list_id == watch_list.id)).all()
    assert sorted((v.version, v.status) for v in versions) == [(1, "superseded"), (2, "active")]
    actors = {e.actor for e in session.exec(select(AuditEvent).where(AuditEvent.action == "list.upload"))}
    assert all(actor.startswith("cli:") for actor in actors)


def test_lists_import_refuses_a_file_without_nik(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", [["Nama", "Alamat"], ["Siti", "Jl"]])
    args = ["lists", "import", str(path), "--type", "supporter", "--owner", "o", "--election", "e"]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 1
    assert "no" in result.output.lower()


def test_rosters_import(session: Session, agency: Agency, tmp_path: Path) -> None:
    roster = write(tmp_path / "pegawai.csv", ROSTER)
    result = runner.invoke(cli.app, ["rosters", "import", str(roster), "--agency", agency.code])
    assert result.exit_code == 0, result.output
    stored = session.exec(select(Roster).where(Roster.agency_id == agency.id)).one()
    assert stored.name == "pegawai.csv"
    assert stored.active_version_id is not None
