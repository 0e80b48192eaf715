"""The public "Cek NIK" pages work as plain HTML forms, without JavaScript."""

from __future__ import annotations

import json
import re
from html import unescape

from sqlmodel import Session, select

from app import challenge
from app.models import MisuseReport
from tests.factories import NIK, ClientMaker, create_listing

WORDS = {
    "nol": 0,
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
    "sepuluh": 10,
    "sebelas": 11,
}


def words_to_number(text: str) -> int:
    """Inverse of ``app.challenge._words`` for what a person reads on the page."""
    parts = text.split()
    if len(parts) == 1:
        return WORDS[parts[0]]
    if parts[1] == "belas":
        return 10 + WORDS[parts[0]]
    value = WORDS[parts[0]] * 10
    return value + (WORDS[parts[2]] if len(parts) > 2 else 0)


_NUMBER = r"([a-z ]+?)"
_SHAPES = (  # every shape app.challenge asks, as a script would read them
    (re.compile(rf"Berapa {_NUMBER} ditambah {_NUMBER}\?"), lambda a, b: a + b),
    (re.compile(rf"Berapa {_NUMBER} dikurangi {_NUMBER}\?"), lambda a, b: a - b),
    (re.compile(rf"Berapa hasil {_NUMBER} dikali {_NUMBER}\?"), lambda a, b: a * b),
    (re.compile(rf"Di meja ada {_NUMBER} [a-z]+\. Sebanyak {_NUMBER} [a-z]+ diambil"), lambda a, b: a - b),
    (re.compile(rf"Mana yang lebih besar, {_NUMBER} atau {_NUMBER}\?"), max),
    (re.compile(r"Tuliskan bilangan “([a-z ]+)”"), lambda a: a),
)


def solve_question(text: str) -> int:
    for pattern, answer in _SHAPES:
        match = pattern.search(unescape(text))
        if match:
            return int(answer(*(words_to_number(group) for group in match.groups())))
    raise AssertionError(f"no question in {text[:200]!r}")


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return unescape(match.group(1))


def test_form_is_accessible_and_needs_no_script(make_client: ClientMaker) -> None:
    response = make_client().get("/cek-nik")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="id">' in html
    assert 'name="viewport"' in html
    assert '<label for="nik">' in html
    assert 'id="nik" name="nik"' in html
    assert "selfcheck.js" not in html  # no challenge due yet: nothing to solve
    assert re.search(r"<form method=\"post\" action=\"/cek-nik\"", html)  # a plain form


def test_listed_answer_page(make_client: ClientMaker, session: Session) -> None:
    create_listing(session, NIK, "Siti Aminah", owner="Partai Contoh", region="Kota Bekasi")
    create_listing(session, NIK, "Siti Aminah", list_type="supporter", owner="Calon Contoh")
    response = make_client().post("/cek-nik", data={"nik": NIK})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert "3275********0001" in html
    assert "Anggota partai politik" in html
    assert "Pendukung calon" in html
    assert "Partai Contoh" in html
    assert "S*** A*****" in html
    assert "Siti" not in html
    assert NIK not in html
    assert "NIK saya dicatut" in html
    assert 'action="/cek-nik/laporan"' in html


def test_unlisted_answer_page(make_client: ClientMaker) -> None:
    response = make_client().post("/cek-nik", data={"nik": NIK})
    assert response.status_code == 200
    assert "tidak tercatat" in response.text
    assert "laporan" not in response.text


def test_invalid_nik_is_explained(make_client: ClientMaker) -> None:
    response = make_client().post("/cek-nik", data={"nik": "12345"})
    assert response.status_code == 422
    assert "NIK harus terdiri dari 16 angka." in response.text
    assert 'role="alert"' in response.text
    assert 'aria-invalid="true"' in response.text


def test_text_challenge_without_javascript(make_client: ClientMaker, session: Session) -> None:
    create_listing(session, NIK, "Siti Aminah")
    client = make_client(selfcheck_challenge_after=1)
    assert client.post("/cek-nik", data={"nik": NIK}).status_code == 200

    refused = client.post("/cek-nik", data={"nik": NIK})
    assert refused.status_code == 403
    html = refused.text
    assert "selfcheck.js" in html  # the proof of work for browsers with scripts …
    assert 'name="soal"' in html  # … and a question for those without
    answer = solve_question(html)

    wrong = client.post(
        "/cek-nik", data={"nik": NIK, "soal": hidden(html, "soal"), "jawaban": str(answer + 1)}
    )
    assert wrong.status_code == 403
    assert "tidak benar" in wrong.text

    html = wrong.text  # a fresh question comes with the refusal
    answer = solve_question(html)
    solved = client.post("/cek-nik", data={"nik": NIK, "soal": hidden(html, "soal"), "jawaban": str(answer)})
    assert solved.status_code == 200
    assert "S*** A*****" in solved.text


def test_a_client_answers_only_a_few_questions_then_needs_the_proof_of_work(
    make_client: ClientMaker, session: Session
) -> None:
    create_listing(session, NIK, "Siti Aminah")
    client = make_client(
        selfcheck_challenge_after=1, selfcheck_text_challenge_limits="2/day", selfcheck_pow_maxnumber=2000
    )
    assert client.post("/cek-nik", data={"nik": NIK}).status_code == 200

    first = client.get("/cek-nik").text
    answered = {"nik": NIK, "soal": hidden(first, "soal"), "jawaban": str(solve_question(first))}
    assert client.post("/cek-nik", data=answered).status_code == 200
    second, kept = client.get("/cek-nik").text, client.get("/cek-nik").text
    answered = {"nik": NIK, "soal": hidden(second, "soal"), "jawaban": str(solve_question(second))}
    assert client.post("/cek-nik", data=answered).status_code == 200

    # The allowance is spent: a right answer to a question issued earlier no longer passes …
    late = {"nik": NIK, "soal": hidden(kept, "soal"), "jawaban": str(solve_question(kept))}
    refused = client.post("/cek-nik", data=late)
    assert refused.status_code == 403
    assert 'name="soal"' not in refused.text
    assert "2 kali per hari" in refused.text
    assert "sudah terpakai" in refused.text
    assert "sudah terpakai" in client.get("/cek-nik").text
    # … while the proof of work still does.
    issued = json.loads(unescape(re.search(r"data-challenge='([^']+)'", refused.text).group(1)))  # type: ignore[union-attr]
    solved = client.post("/cek-nik", data={"nik": NIK, "altcha": challenge.solve_pow(issued)})
    assert solved.status_code == 200


def test_rate_limited_page_says_when_to_retry(make_client: ClientMaker) -> None:
    client = make_client(selfcheck_rate_limits="1/minute")
    client.post("/cek-nik", data={"nik": NIK})
    response = client.post("/cek-nik", data={"nik": NIK})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Terlalu banyak permintaan" in response.text


def test_misuse_report_from_the_answer_page(make_client: ClientMaker, session: Session) -> None:
    watch_list = create_listing(session, NIK, "Siti Aminah")
    client = make_client()
    answer = client.post("/cek-nik", data={"nik": NIK}).text

    response = client.post(
        "/cek-nik/laporan",
        data={
            "token": hidden(answer, "token"),
            "list_id": str(watch_list.id),
            "contact": "siti@example.org",
            "statement": "Saya tidak pernah mendaftar.",
        },
    )

    assert response.status_code == 200, response.text
    assert "sudah kami terima" in response.text
    report = session.exec(select(MisuseReport)).one()
    assert report.list_id == watch_list.id
    assert report.nik_masked == "3275********0001"
    code = re.search(r'id="kode-tanda-terima">([0-9A-Z-]+)<', response.text)
    assert code is not None
    status = client.post("/cek-nik/laporan/status", data={"kode": code.group(1)})
    assert status.status_code == 200
    assert "Diterima, menunggu ditinjau" in status.text
    assert "siti@example.org" not in status.text  # the status page shows no contact

    bad = client.post(
        "/cek-nik/laporan",
        data={
            "token": hidden(answer, "token"),
            "list_id": str(watch_list.id),
            "contact": "abc",
            "statement": "x",
        },
    )
    assert bad.status_code == 422
    assert "nomor telepon" in bad.text


def test_misuse_report_with_bad_token_is_explained(make_client: ClientMaker) -> None:
    response = make_client().post(
        "/cek-nik/laporan", data={"token": "palsu", "list_id": "1", "contact": "x", "statement": "y"}
    )
    assert response.status_code == 403
    assert "tidak sah" in response.text


def test_the_answer_says_what_was_checked_when_and_what_to_do_next(
    make_client: ClientMaker, session: Session
) -> None:
    create_listing(session, NIK, "Siti Aminah")
    client = make_client()
    listed = client.post("/cek-nik", data={"nik": NIK}).text
    assert "Langkah berikutnya" in listed
    assert "SIPOL (anggota partai)" in listed
    assert "helpdesk" in listed
    assert "BKPSDM" in listed
    assert "Bawaslu" in listed
    assert re.search(r"Diperiksa terhadap \d+ daftar aktif", listed)
    assert "bukan layanan resmi KPU" in listed  # who runs it
    assert "Layanan ini dijalankan oleh" in client.get("/cek-nik").text


def test_a_wrong_answer_keeps_the_nik_typed(make_client: ClientMaker, session: Session) -> None:
    client = make_client(selfcheck_challenge_after=1)
    client.post("/cek-nik", data={"nik": NIK})
    refused = client.post("/cek-nik", data={"nik": NIK, "soal": "x.1.y", "jawaban": "3"})
    assert refused.status_code == 403
    assert f'value="{NIK}"' in refused.text
