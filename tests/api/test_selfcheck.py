"""Public self-check API: answers, masking, audit, rate limits, trusted proxies and the challenge."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session, select

from app import challenge
from app.models import AuditEvent
from app.ratelimit import client_address, parse_networks
from tests.factories import NIK, OTHER_NIK, ClientMaker, create_listing


def lookup_events(session: Session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == "selfcheck.lookup")).all())


# --- answers ---------------------------------------------------------------------------------------------


def test_listed_nik_is_answered_masked(make_client: ClientMaker, session: Session) -> None:
    party = create_listing(session, NIK, "Siti Aminah")
    create_listing(session, NIK, "Budi", list_type="supporter", owner="Calon DPD Contoh", region=None)
    client = make_client()

    response = client.post("/api/v1/self-check", json={"nik": NIK})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["nik_masked"] == "3275********0001"
    assert body["listed"] is True
    assert body["report_token"]
    assert body["listings"] == [
        {
            "list_id": party.id,
            "list_type": "party_member",
            "owner": "Partai Contoh",
            "election": "Pemilu 2024",
            "region": "Kota Bekasi",
            "name_masked": "S*** A*****",
        },
        {
            "list_id": body["listings"][1]["list_id"],
            "list_type": "supporter",
            "owner": "Calon DPD Contoh",
            "election": "Pemilu 2024",
            "region": None,
            "name_masked": "B***",
        },
    ]
    # Neither the full name, the plain NIK nor any entry id leaves the service.
    assert "Siti" not in response.text
    assert "Aminah" not in response.text
    assert NIK not in response.text
    assert "entry" not in response.text


def test_unlisted_nik(make_client: ClientMaker, session: Session) -> None:
    create_listing(session, OTHER_NIK, "Agus Salim")
    response = make_client().post("/api/v1/self-check", json={"nik": "3275 0141 0190 0001"})
    assert response.status_code == 200
    assert response.json() == {
        "nik_masked": "3275********0001",
        "listed": False,
        "listings": [],
        "notes": [],
        "report_token": None,
    }


def test_only_active_versions_of_undeleted_lists_count(make_client: ClientMaker, session: Session) -> None:
    create_listing(session, NIK, "Siti Aminah", active=False)
    create_listing(session, NIK, "Siti Aminah", deleted=True)
    response = make_client().post("/api/v1/self-check", json={"nik": NIK})
    assert response.status_code == 200
    assert response.json()["listed"] is False


@pytest.mark.parametrize(
    ("nik", "reason"),
    [
        ("", "empty"),
        ("32750141019000", "wrong_length"),
        ("327501410190000A", "non_digit"),
        ("3.27501E+15", "scientific_notation"),
        ("0000000000000000", "placeholder"),
    ],
)
def test_invalid_nik_is_refused_with_reason(
    make_client: ClientMaker, session: Session, nik: str, reason: str
) -> None:
    create_listing(session, "0000000000000000", "Orang Lain")
    response = make_client().post("/api/v1/self-check", json={"nik": nik})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:netra:problem:invalid-nik"
    assert body["reason"] == reason
    assert "listings" not in body
    assert [event.detail for event in lookup_events(session)] == [{"outcome": "invalid", "reason": reason}]


def test_impossible_birth_date_is_looked_up_and_reported(make_client: ClientMaker, session: Session) -> None:
    odd = "3275013502900001"  # day 35 is neither a man's (1-31) nor a woman's (41-71) birth day
    create_listing(session, odd, "Siti Aminah")
    response = make_client().post("/api/v1/self-check", json={"nik": odd})
    assert response.status_code == 200
    body = response.json()
    assert body["listed"] is True
    assert any("Tanggal lahir" in note for note in body["notes"])


# --- audit -----------------------------------------------------------------------------------------------


def test_every_lookup_is_audited_without_the_plain_nik(make_client: ClientMaker, session: Session) -> None:
    create_listing(session, NIK, "Siti Aminah")
    client = make_client(peer="198.51.100.23")
    client.post("/api/v1/self-check", json={"nik": NIK})
    client.post("/api/v1/self-check", json={"nik": OTHER_NIK})

    events = lookup_events(session)
    assert [(e.actor, e.client, e.detail) for e in events] == [
        (
            "public:198.51.100.23",
            "198.51.100.23",
            {"outcome": "listed", "nik": "3275********0001", "listings": 1},
        ),
        (
            "public:198.51.100.23",
            "198.51.100.23",
            {"outcome": "not_listed", "nik": "3275********0002", "listings": 0},
        ),
    ]
    assert all(event.at is not None for event in events)
    for event in session.exec(select(AuditEvent)).all():
        dumped = json.dumps(event.model_dump(mode="json"))
        assert NIK not in dumped
        assert OTHER_NIK not in dumped


def test_lookups_run_in_their_own_threads_as_many_as_configured(make_client: ClientMaker) -> None:
    """Not in the shared pool of 40 (see app.deps.get_lookup_threads)."""
    client = make_client(selfcheck_threads=3)
    assert client.post("/api/v1/self-check", json={"nik": NIK}).status_code == 200
    threads = client.app.state.lookup_threads  # type: ignore[attr-defined]
    assert threads.total_tokens == 3
    assert client.post("/cek-nik", data={"nik": OTHER_NIK}).status_code == 200
    assert client.app.state.lookup_threads is threads  # type: ignore[attr-defined]


# --- rate limits and client addresses ------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(make_client: ClientMaker) -> None:
    client = make_client(selfcheck_rate_limits="2/minute;100/day")
    assert client.post("/api/v1/self-check", json={"nik": NIK}).status_code == 200
    assert client.post("/api/v1/self-check", json={"nik": "123"}).status_code == 422  # invalid ones count too

    response = client.post("/api/v1/self-check", json={"nik": NIK})

    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 60
    assert response.json()["retry_after"] == retry_after
    assert response.json()["type"] == "urn:netra:problem:rate-limited"


def test_daily_limit_applies_too(make_client: ClientMaker) -> None:
    client = make_client(selfcheck_rate_limits="10/minute;1/day")
    assert client.post("/api/v1/self-check", json={"nik": NIK}).status_code == 200
    response = client.post("/api/v1/self-check", json={"nik": NIK})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 3600


def test_spoofed_forwarded_for_from_untrusted_peer_is_ignored(
    make_client: ClientMaker, session: Session
) -> None:
    client = make_client(peer="203.0.113.5", selfcheck_rate_limits="1/minute", trusted_proxies=["10.0.0.0/8"])
    first = client.post("/api/v1/self-check", json={"nik": NIK}, headers={"X-Forwarded-For": "192.0.2.1"})
    second = client.post("/api/v1/self-check", json={"nik": NIK}, headers={"X-Forwarded-For": "192.0.2.2"})
    assert first.status_code == 200
    assert second.status_code == 429
    assert {event.client for event in lookup_events(session)} == {"203.0.113.5"}


def test_forwarded_for_from_trusted_proxy_names_the_client(
    make_client: ClientMaker, session: Session
) -> None:
    client = make_client(peer="10.0.0.2", selfcheck_rate_limits="1/minute", trusted_proxies=["10.0.0.0/8"])

    def ask(forwarded: str) -> int:
        response = client.post(
            "/api/v1/self-check", json={"nik": NIK}, headers={"X-Forwarded-For": forwarded}
        )
        return response.status_code

    assert ask("198.51.100.1") == 200
    assert ask("198.51.100.2, 10.0.0.7") == 200  # another client behind two of our proxies
    # The client cannot escape its limit by writing addresses to the left of its own.
    assert ask("192.0.2.99, 198.51.100.1") == 429
    assert [event.client for event in lookup_events(session)] == ["198.51.100.1", "198.51.100.2"]


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "1.2.3.4", "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.3", "1.2.3.4"),
        ("10.0.0.2", "10.0.0.4, 10.0.0.3", "10.0.0.4"),
        ("10.0.0.2", "not-an-ip, 1.2.3.4", "1.2.3.4"),
        ("10.0.0.2", "1.2.3.4, garbage", "10.0.0.2"),
        ("::ffff:10.0.0.2", "2001:db8::1", "2001:db8::1"),
        ("testclient", "1.2.3.4", "testclient"),
    ],
)
def test_client_address(peer: str, forwarded: str | None, expected: str) -> None:
    assert client_address(peer, forwarded, parse_networks(["10.0.0.0/8"])) == expected


# --- challenge -------------------------------------------------------------------------------------------


def test_challenge_required_after_threshold_and_accepted_when_solved(make_client: ClientMaker) -> None:
    client = make_client(selfcheck_challenge_after=2, selfcheck_pow_maxnumber=2000)
    for _ in range(2):
        assert client.post("/api/v1/self-check", json={"nik": NIK}).status_code == 200

    refused = client.post("/api/v1/self-check", json={"nik": NIK})
    assert refused.status_code == 403
    body = refused.json()
    assert body["type"] == "urn:netra:problem:challenge-required"
    solution = challenge.solve_pow(body["challenge"])

    solved = client.post("/api/v1/self-check", json={"nik": NIK, "altcha": solution})
    assert solved.status_code == 200, solved.text
    # A solution is good for one look-up only.
    replayed = client.post("/api/v1/self-check", json={"nik": NIK, "altcha": solution})
    assert replayed.status_code == 403

    fresh = client.get("/api/v1/self-check/challenge").json()
    again = client.post("/api/v1/self-check", json={"nik": NIK, "altcha": challenge.solve_pow(fresh)})
    assert again.status_code == 200


def test_forged_or_wrong_solutions_are_refused(make_client: ClientMaker) -> None:
    client = make_client(selfcheck_challenge_after=1, selfcheck_pow_maxnumber=2000)
    client.post("/api/v1/self-check", json={"nik": NIK})
    issued = client.get("/api/v1/self-check/challenge").json()
    forged = dict(issued, signature="0" * 64)
    for altcha in ("not base64!", challenge.encode_solution(issued, -1), challenge.solve_pow(forged)):
        response = client.post("/api/v1/self-check", json={"nik": NIK, "altcha": altcha})
        assert response.status_code == 403


class _Once:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def first_use(self, key: str, ttl_seconds: int) -> bool:
        fresh = key not in self.seen
        self.seen.add(key)
        return fresh


def test_expired_pow_challenge_is_refused() -> None:
    key = b"k" * 32
    issued = challenge.issue_pow(key, maxnumber=100, ttl_seconds=60, now=1_000_000.0)
    solution = challenge.solve_pow(issued)
    assert challenge.verify_pow(key, solution, replay=_Once(), now=1_000_030.0)
    assert not challenge.verify_pow(key, solution, replay=_Once(), now=1_000_061.0)


def test_text_questions_take_several_shapes_so_one_pattern_does_not_answer_them() -> None:
    questions = [challenge.issue_text(b"k" * 32, ttl_seconds=60).question for _ in range(300)]
    shapes = {question.split()[1] for question in questions}  # "tujuh", "hasil", "ada", "yang", "bilangan"…
    assert len(shapes) >= 5
    one_pattern = [q for q in questions if re.fullmatch(r"Berapa [a-z ]+ ditambah [a-z ]+\?", q)]
    assert len(one_pattern) < len(questions) / 3


def test_text_challenge_accepts_only_the_right_answer_once() -> None:
    key = b"k" * 32
    text = challenge.issue_text(key, ttl_seconds=60)
    replay = _Once()
    right = [n for n in range(100) if challenge.verify_text(key, text.token, str(n), replay=_Once())]
    assert len(right) == 1
    assert challenge.verify_text(key, text.token, str(right[0]), replay=replay)
    assert not challenge.verify_text(key, text.token, str(right[0]), replay=replay)
    assert not challenge.verify_text(key, text.token, str(right[0]), replay=_Once(), now=10**12)
