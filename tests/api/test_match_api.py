"""POST /api/v1/match: a few people against the active lists, synchronously."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import Agency, AuditEvent
from app.services import synthetic
from matching import engine, records
from tests.check_data import ROSTER, make_world, store_list

Auth = Callable[[str], dict[str, str]]
URL = "/api/v1/match"


def people(roster: tuple[records.RosterPerson, ...] | list[records.RosterPerson]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in roster:
        person: dict[str, Any] = {"nik": p.nik, "name": p.name}
        if p.nip:
            person["nip"] = p.nip
        out.append(person)
    return out


def test_match_returns_the_findings_of_a_check_run(
    client: TestClient, session: Session, agency: Agency, operator_key: str, auth: Auth
) -> None:
    make_world(session, agency)
    response = client.post(URL, json={"people": people(ROSTER)}, headers=auth(operator_key))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["people"], body["lists_checked"]) == (4, 2)
    found = {(f["index"], f["kind"], f["match_class"]) for f in body["findings"]}
    assert found == {
        (0, "nik_exact", "confirmed"),
        (1, "nik_match_name_mismatch", "conflict"),
        (2, "nik_one_digit", "probable"),
    }
    exact = next(f for f in body["findings"] if f["kind"] == "nik_exact")
    assert exact["list"]["owner"] == "Partai Contoh"
    assert exact["list_entry_nik"] == "3271********0001"
    assert exact["list_entry_line"] == 2
    assert exact["explanation"][0]["name"] == "nik"
    assert exact["explanation_text"].startswith("nik_exact (confirmed")

    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "match.lookup")).all()
    assert [e.detail["people"] for e in audit] == [4]


def test_match_filters_lists(
    client: TestClient, session: Session, agency: Agency, operator_key: str, auth: Auth
) -> None:
    make_world(session, agency)
    body = client.post(
        URL, json={"people": people(ROSTER), "list_type": "supporter"}, headers=auth(operator_key)
    ).json()
    assert [f["kind"] for f in body["findings"]] == ["nik_one_digit"]
    assert body["lists_checked"] == 1


def test_more_than_a_thousand_people_is_413_pointing_to_checks(
    client: TestClient, operator_key: str, auth: Auth
) -> None:
    crowd = [{"nik": f"3271055203{n:06d}", "name": "Siti Aminah"} for n in range(1001)]
    response = client.post(URL, json={"people": crowd}, headers=auth(operator_key))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["use"] == "/api/v1/checks"
    assert "/api/v1/checks" in response.json()["detail"]


def test_a_thousand_people_are_fine_and_nobody_is_fine(
    client: TestClient, operator_key: str, auth: Auth
) -> None:
    crowd = [{"nik": f"3271055203{n:06d}", "name": "Siti Aminah"} for n in range(1000)]
    assert client.post(URL, json={"people": crowd}, headers=auth(operator_key)).status_code == 200
    empty = client.post(URL, json={"people": []}, headers=auth(operator_key))
    assert empty.json() == {"people": 0, "lists_checked": 0, "findings": []}


def test_stewards_may_not_match(client: TestClient, steward_key: str, auth: Auth) -> None:
    assert client.post(URL, json={"people": []}, headers=auth(steward_key)).status_code == 403


@pytest.mark.parametrize(
    "bad", [{"people": [{"nik": "1"}]}, {"people": [{"nik": "1", "name": ""}]}, {"people": "x"}, {}]
)
def test_malformed_requests_are_422(
    client: TestClient, operator_key: str, auth: Auth, bad: dict[str, Any]
) -> None:
    assert client.post(URL, json=bad, headers=auth(operator_key)).status_code == 422


def test_match_equals_the_in_memory_engine_on_synthetic_data(
    client: TestClient, session: Session, auditor_key: str, auth: Auth
) -> None:
    data = synthetic.generate(11, roster_size=300, list_size=3000, plant_per_kind=12, decoys_per_type=12)
    entries = tuple(replace(e, nik=None) if e.nik == "" else e for e in data.entries)
    stored = store_list(session, entries)
    # JSON carries text, never a numeric spreadsheet cell: the API's people are never "possibly truncated".
    roster = [replace(p, numeric_cell=False) for p in data.roster]
    expected = {
        (f.roster_ref, f.list_ref, f.kind, f.match_class, f.score) for f in engine.match(roster, entries)
    }
    got: set[tuple[Any, ...]] = set()
    for start in range(0, len(roster), 1000):
        chunk = roster[start : start + 1000]
        body = client.post(URL, json={"people": people(chunk)}, headers=auth(auditor_key)).json()
        for f in body["findings"]:
            list_ref = stored.ref_by_id[
                next(iter(_entry_ids(session, stored.version_id, f["list_entry_line"])))
            ]
            got.add((chunk[f["index"]].ref, list_ref, f["kind"], f["match_class"], f["score"]))
    assert got == expected
    assert {kind for _, _, kind, _, _ in got} == set(synthetic.KINDS_PLANTED)


def _entry_ids(session: Session, version_id: int, line: int) -> list[int]:
    from app.models import ListEntry

    return [
        e.id or 0
        for e in session.exec(
            select(ListEntry).where(ListEntry.version_id == version_id, ListEntry.line == line)
        ).all()
    ]
