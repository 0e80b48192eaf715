"""Web sessions live on the server: logout, a password change or a disabled account ends them, and a copy
of the cookie taken before then opens nothing."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from app import cli
from app.models import Agency, AuditEvent, User, WebSession, utcnow
from app.services import auth
from tests import factories
from tests.web.support import csrf, log_in

runner = CliRunner()


def _copy_cookie(source: TestClient, app_client: TestClient) -> TestClient:
    for name, value in source.cookies.items():
        app_client.cookies.set(name, value)
    return app_client


def _logged_in(client: TestClient) -> bool:
    return client.get("/daftar-asn", follow_redirects=False).status_code == 200


def _log_in_as(client: TestClient, username: str, password: str = factories.DEFAULT_PASSWORD) -> None:
    form = {"username": username, "password": password, "csrf_token": csrf(client.get("/login").text)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def test_a_cookie_saved_before_logout_opens_nothing_after_it(
    client: TestClient, make_client: factories.ClientMaker, session: Session, agency: Agency
) -> None:
    log_in(client, session, "operator", agency)
    stolen = _copy_cookie(client, make_client())
    assert _logged_in(stolen)
    response = client.post("/logout", data={"csrf_token": csrf(client.get("/").text)}, follow_redirects=False)
    assert response.status_code == 303
    assert not _logged_in(stolen)
    assert session.exec(select(WebSession)).all() == []
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "user.logout")).one()


def test_logout_ends_only_this_browsers_session(
    client: TestClient, make_client: factories.ClientMaker, session: Session, agency: Agency
) -> None:
    user = log_in(client, session, "operator", agency)
    laptop = make_client()
    _log_in_as(laptop, user.username)
    client.post("/logout", data={"csrf_token": csrf(client.get("/").text)})
    assert _logged_in(laptop)


def test_setting_a_password_ends_every_session_of_the_user(
    client: TestClient, make_client: factories.ClientMaker, session: Session, agency: Agency
) -> None:
    user = log_in(client, session, "operator", agency)
    laptop = make_client()
    _log_in_as(laptop, user.username)
    other_user = make_client(peer="198.51.100.30")
    log_in(other_user, session, "operator", agency)
    auth.set_password(session, user.username, "kata-sandi-baru-123")
    assert not _logged_in(client)
    assert not _logged_in(laptop)
    assert _logged_in(other_user)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.password_change")).one()
    assert event.detail == {"sessions_ended": 2}


def test_disabling_a_user_ends_their_sessions(
    client: TestClient, session: Session, agency: Agency, cli_environment: None
) -> None:
    user = log_in(client, session, "operator", agency)
    result = runner.invoke(cli.app, ["users", "disable", user.username])
    assert result.exit_code == 0, result.output
    session.expire_all()  # the command changed the user through a session of its own
    assert not _logged_in(client)
    assert session.exec(select(WebSession).where(WebSession.user_id == user.id)).all() == []
    form = {"username": user.username, "password": factories.DEFAULT_PASSWORD}
    form["csrf_token"] = csrf(client.get("/login").text)
    assert client.post("/login", data=form).status_code == 401
    assert runner.invoke(cli.app, ["users", "enable", user.username]).exit_code == 0
    session.expire_all()
    _log_in_as(client, user.username)
    assert _logged_in(client)


def test_cli_set_password_logs_the_user_out(
    client: TestClient, session: Session, agency: Agency, cli_environment: None
) -> None:
    user = log_in(client, session, "operator", agency)
    result = runner.invoke(cli.app, ["users", "set-password", user.username, "--password", "z" * 12])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert not _logged_in(client)
    _log_in_as(client, user.username, "z" * 12)
    missing = runner.invoke(cli.app, ["users", "set-password", "tidak.ada", "--password", "z" * 12])
    assert missing.exit_code == 1


def test_changing_ones_own_password_keeps_this_browser_and_ends_the_others(
    client: TestClient, make_client: factories.ClientMaker, session: Session, agency: Agency
) -> None:
    user = log_in(client, session, "operator", agency)
    phone = make_client()
    _log_in_as(phone, user.username)
    page = client.get("/akun/kata-sandi")
    assert "Ganti kata sandi" in page.text
    form = {
        "csrf_token": csrf(page.text),
        "current_password": "bukan-kata-sandinya",
        "new_password": "kata-sandi-baru-123",
        "new_password_again": "kata-sandi-baru-123",
    }
    wrong = client.post("/akun/kata-sandi", data=form)
    assert wrong.status_code == 422
    assert "Kata sandi saat ini salah" in wrong.text
    mismatch = client.post("/akun/kata-sandi", data={**form, "new_password_again": "lain-lagi-12345"})
    assert mismatch.status_code == 422
    form["current_password"] = factories.DEFAULT_PASSWORD
    done = client.post("/akun/kata-sandi", data=form, follow_redirects=True)
    assert done.status_code == 200
    assert "Kata sandi Anda sudah diganti" in done.text
    assert _logged_in(client)
    assert not _logged_in(phone)
    session.expire_all()
    assert auth.authenticate_user(session, user.username, "kata-sandi-baru-123").id == user.id


def test_a_session_past_its_lifetime_ends_on_the_server_too(
    client: TestClient, session: Session, agency: Agency
) -> None:
    user = log_in(client, session, "operator", agency)
    row = session.exec(select(WebSession).where(WebSession.user_id == user.id)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    assert not _logged_in(client)
    # The next login clears expired sessions away.
    _log_in_as(client, user.username)
    assert len(session.exec(select(WebSession).where(WebSession.user_id == user.id)).all()) == 1


def test_only_a_hash_of_the_token_is_stored(client: TestClient, session: Session, agency: Agency) -> None:
    user = log_in(client, session, "operator", agency)
    row = session.exec(select(WebSession)).one()
    cookie = client.cookies.get("netra_session") or ""
    assert row.token_hash not in cookie
    assert session.get(User, user.id) is not None


def test_a_form_sent_after_the_session_ended_is_kept_and_the_person_lands_back_on_its_page(
    client: TestClient, session: Session
) -> None:
    user = log_in(client, session, "operator", factories.create_agency(session))
    page = client.get("/daftar-asn")
    token = csrf(page.text)
    for row in session.exec(select(WebSession).where(WebSession.user_id == user.id)).all():
        row.expires_at = utcnow() - timedelta(minutes=1)  # the session ran out while the form was open
        session.add(row)
    session.commit()

    sent = client.post(
        "/temuan/1/tinjau",
        data={"csrf_token": token, "keputusan": "tolak", "alasan": "Orang lain, tanggal lahir beda"},
        headers={"referer": "http://testserver/temuan/1"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/login?next=/temuan/1&sesi=berakhir"  # the page, not the POST action
    login_page = client.get(sent.headers["location"]).text
    assert "Sesi Anda berakhir" in login_page
    assert "isian formulir Anda disimpan" in login_page

    form = {
        "username": user.username,
        "password": factories.DEFAULT_PASSWORD,
        "csrf_token": csrf(login_page),
        "next": "/daftar-asn",
    }
    logged_in = client.post("/login", data=form, follow_redirects=False)
    assert logged_in.status_code == 303, logged_in.text
    back = client.get("/daftar-asn").text
    assert 'id="pending-form-notice"' in back
    assert "Orang lain, tanggal lahir beda" in back  # handed to the page's script to fill in
    assert "csrf_token" not in back.split('id="pending-form">')[1].split("</script>")[0]
    assert 'id="pending-form-notice"' not in client.get("/daftar-asn").text  # once
