"""Who is calling: API keys for systems, passwords for people. Roles: :mod:`app.services.principals`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.db import end_reads
from app.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from app.models import ROLES, ApiKey, User, WebSession, utcnow
from app.ratelimit import LoginThrottle, LoginThrottled
from app.security import (
    DUMMY_PASSWORD_HASH,
    api_key_matches,
    api_key_prefix,
    generate_api_key,
    hash_password,
    hash_session_token,
    new_session_token,
    password_needs_rehash,
    verify_password,
)
from app.services import agencies, audit
from app.services.principals import Principal

# Writing last_used_at on every request would turn each read into a write; a minute's precision is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 10


def _principal_for_key(key: ApiKey) -> Principal:
    assert key.id is not None
    return Principal(kind="key", id=key.id, name=key.prefix, role=key.role, agency_id=key.agency_id)


def _principal_for_user(user: User) -> Principal:
    assert user.id is not None
    return Principal(kind="user", id=user.id, name=user.username, role=user.role, agency_id=user.agency_id)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes when a value was written by something other than the ORM.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _agency_for_role(session: Session, role: str, agency_code: str | None) -> int | None:
    if role not in ROLES:
        raise ValidationFailed(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "operator":
        if not agency_code:
            raise ValidationFailed("An operator is bound to one agency; give its code")
        return agencies.require_agency(session, agency_code).id
    if agency_code:
        raise ValidationFailed(f"Only operators belong to an agency, not the role {role!r}")
    return None


# --- API keys ---------------------------------------------------------------------------------------


def authenticate_api_key(session: Session, plain: str | None) -> Principal:
    """The principal for a presented key; :class:`Unauthorized` if it is missing, unknown or revoked."""
    if not plain:
        raise Unauthorized()
    prefix = api_key_prefix(plain.strip())
    key = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first() if prefix else None
    if key is None or key.revoked_at is not None or not api_key_matches(plain.strip(), key.key_hash):
        raise Unauthorized("The API key is not valid or has been revoked")
    now = utcnow()
    if key.last_used_at is None or now - _aware(key.last_used_at) >= LAST_USED_RESOLUTION:
        end_reads(session)  # a GET's read transaction must not turn into a write (see app.db.new_session)
        key.last_used_at = now
        session.add(key)
        session.commit()
    return _principal_for_key(key)


def create_api_key(
    session: Session, *, role: str, name: str, agency_code: str | None = None, actor: Principal | str = "cli"
) -> tuple[ApiKey, str]:
    """Create a key and return it with its plain text, which is never available again."""
    agency_id = _agency_for_role(session, role, agency_code)
    new = generate_api_key()
    key = ApiKey(name=name, prefix=new.prefix, key_hash=new.key_hash, role=role, agency_id=agency_id)
    session.add(key)
    session.flush()
    audit.record(session, actor, "api_key.create", "api_key", key.id, {"prefix": key.prefix, "role": role})
    session.commit()
    return key, new.plain


def list_api_keys(session: Session, *, include_revoked: bool = True) -> list[ApiKey]:
    query = select(ApiKey).order_by(col(ApiKey.id))
    if not include_revoked:
        query = query.where(col(ApiKey.revoked_at).is_(None))
    return list(session.exec(query))


def revoke_api_key(session: Session, id_or_prefix: str, *, actor: Principal | str = "cli") -> ApiKey:
    """Revoke by numeric id, prefix, or a whole key; revoking twice keeps the first time."""
    needle = api_key_prefix(id_or_prefix) or id_or_prefix
    query = select(ApiKey).where(ApiKey.prefix == needle)
    if needle.isdigit():
        query = select(ApiKey).where((ApiKey.prefix == needle) | (ApiKey.id == int(needle)))
    key = session.exec(query).first()
    if key is None:
        raise NotFound(f"No API key {id_or_prefix!r}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        audit.record(session, actor, "api_key.revoke", "api_key", key.id, {"prefix": key.prefix})
        session.commit()
    return key


# --- users ------------------------------------------------------------------------------------------


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    agency_code: str | None = None,
    actor: Principal | str = "cli",
) -> User:
    username = username.strip()
    if not username:
        raise ValidationFailed("A username is required")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"A password needs at least {MIN_PASSWORD_LENGTH} characters")
    agency_id = _agency_for_role(session, role, agency_code)
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"The username {username!r} is taken")
    user = User(username=username, password_hash=hash_password(password), role=role, agency_id=agency_id)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, {"username": username, "role": role})
    session.commit()
    return user


def authenticate_user(
    session: Session,
    username: str,
    password: str,
    *,
    client: str | None = None,
    throttle: LoginThrottle | None = None,
) -> Principal:
    """Check a password; :class:`Unauthorized` for an unknown user, a wrong password or a disabled account.

    With a ``throttle``, :class:`LoginThrottled` once the account or the client has tried too often: the
    password is then not even checked, so a guess that happens to be right gains nothing.
    """
    username = username.strip()
    if throttle is not None:
        try:
            throttle.reserve(username, client or "unknown")
        except LoginThrottled as exc:
            if exc.first:
                detail = {"scope": exc.scope, "retry_after": exc.retry_after}
                actor = f"user:{username[:80]}"
                audit.record(session, actor, "user.login_throttled", detail=detail, client=client)
                session.commit()
            raise
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        verify_password(password, DUMMY_PASSWORD_HASH)  # same cost as a real check
        ok = False
    else:
        ok = verify_password(password, user.password_hash) and user.is_active
    if user is None or not ok:
        if throttle is not None:
            throttle.failed(client or "unknown")
        audit.record(session, f"user:{username[:80]}", "user.login_failed", client=client)
        session.commit()
        raise Unauthorized("Wrong username or password")
    if throttle is not None:
        throttle.succeeded(username)
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.add(user)
    principal = _principal_for_user(user)
    audit.record(session, principal, "user.login", "user", user.id, client=client)
    session.commit()
    return principal


# --- web sessions -----------------------------------------------------------------------------------


def start_session(
    session: Session, user: Principal, *, lifetime: timedelta, client: str | None = None
) -> str:
    """A new server-side session for ``user``; returns the token the browser's cookie carries.

    Expired sessions of everyone are deleted here: logins are rare enough for that to cost nothing, and
    no table of dead sessions grows.
    """
    now = utcnow()
    session.execute(delete(WebSession).where(col(WebSession.expires_at) <= now))
    token = new_session_token()
    session.add(
        WebSession(
            token_hash=hash_session_token(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            client=client[:64] if client else None,
        )
    )
    session.commit()
    return token


def session_user(session: Session, token: str) -> Principal | None:
    """The active user whose live session ``token`` names; None once it was ended, expired or disabled."""
    query = (
        select(User)
        .join(WebSession, col(WebSession.user_id) == col(User.id))
        .where(
            WebSession.token_hash == hash_session_token(token),
            col(WebSession.expires_at) > utcnow(),
            col(User.is_active).is_(True),
        )
    )
    user = session.exec(query).first()
    return _principal_for_user(user) if user is not None else None


def end_session(session: Session, token: str, *, actor: Principal, client: str | None = None) -> None:
    """Logout: the session is gone on the server, so a copy of the cookie opens nothing either."""
    session.execute(delete(WebSession).where(col(WebSession.token_hash) == hash_session_token(token)))
    audit.record(session, actor, "user.logout", "user", actor.id, client=client)
    session.commit()


def _end_user_sessions(session: Session, user_id: int) -> int:
    result = session.execute(delete(WebSession).where(col(WebSession.user_id) == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def _user_named(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None:
        raise NotFound(f"No user {username.strip()!r}")
    return user


def set_password(
    session: Session,
    username: str,
    password: str,
    *,
    actor: Principal | str = "cli",
    client: str | None = None,
) -> User:
    """Set a new password and end every session of the user: whoever held the old one is logged out."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"A password needs at least {MIN_PASSWORD_LENGTH} characters")
    user = _user_named(session, username)
    assert user.id is not None
    user.password_hash = hash_password(password)
    session.add(user)
    ended = _end_user_sessions(session, user.id)
    detail = {"sessions_ended": ended}
    audit.record(session, actor, "user.password_change", "user", user.id, detail, client=client)
    session.commit()
    return user


def change_own_password(
    session: Session, user: Principal, current_password: str, new_password: str, *, client: str | None = None
) -> None:
    """A logged-in user's own change: the current password is asked for, as a left-open browser must not
    let someone else take the account over."""
    row = session.get(User, user.id)
    if row is None or not verify_password(current_password, row.password_hash):
        raise Unauthorized("The current password is wrong")
    if new_password == current_password:
        raise ValidationFailed("The new password must differ from the current one")
    set_password(session, row.username, new_password, actor=user, client=client)


def set_user_active(session: Session, username: str, active: bool, *, actor: Principal | str = "cli") -> User:
    """Enable or disable a user; disabling ends every session of theirs at once."""
    user = _user_named(session, username)
    assert user.id is not None
    user.is_active = active
    session.add(user)
    detail: dict[str, int] = {}
    if not active:
        detail["sessions_ended"] = _end_user_sessions(session, user.id)
    audit.record(session, actor, "user.enable" if active else "user.disable", "user", user.id, detail)
    session.commit()
    return user
