"""The public self-check ("Cek NIK"): is my NIK on a party-member or supporter list?

The answer reveals only what the person needs (docs/domain.md, "Personal data"): listed or not, and per
listing the list type, party or candidate, election, region and the name on the list masked to first
letters. Never entry ids, other rows or the full name. The NIK is echoed masked, audited masked, and never
stored in clear.

Order of a look-up, cheapest first:

1. the per-client rate limit (every request counts, valid or not: that is what stops flooding);
2. NIK validation, answered with the reason before any database read. Rejections (empty, non-digit, wrong
   length, scientific notation) and placeholder NIKs (``0000000000000000``, ``2222222222222222``) are refused:
   placeholders are nobody's NIK and appear on many lists under many names, so answering would reveal other
   people's (masked) names. *Judgement:* an impossible birth date, unknown region or serial ``0000`` does NOT
   stop the look-up — real KTPs carry such NIKs and lists store them (docs/domain.md) — but the answer tells
   the person, so a mistyped NIK is noticed;
3. the challenge, once the client has used its free look-ups in the challenge window;
4. one indexed query: ``list_entries.nik`` (index ``ix_list_entries_nik_version``) joined to lists whose
   ``active_version_id`` is the entry's version and which are not deleted.

Matching is exact on the 16 digits: a list row whose last digit Excel zeroed is not shown (it may be someone
else's NIK).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from app import challenge
from app.config import Settings
from app.errors import Forbidden, ValidationFailed
from app.models import ListEntry, ListVersion, WatchList, table_of
from app.ratelimit import ClientLimiter
from app.services import audit
from matching.nik import mask_nik, parse_nik

logger = logging.getLogger(__name__)

# A NIK on more lists than this is almost certainly a data problem; the page stays readable.
MAX_LISTINGS = 50
REPORT_TOKEN_SALT = "netra.selfcheck.report"

REJECTION_MESSAGES = {
    "empty": "NIK belum diisi.",
    "non_digit": "NIK hanya boleh berisi angka.",
    "wrong_length": "NIK harus terdiri dari 16 angka.",
    "scientific_notation": "NIK tertulis dalam notasi ilmiah (misalnya 3.27E+15); tulis ke-16 angkanya.",
    "placeholder": (
        "Ini bukan NIK seseorang (angka pengisi seperti 0000000000000000). Periksa kembali NIK Anda."
    ),
}
FLAG_NOTES = {
    "impossible_birth_date": (
        "Tanggal lahir pada NIK ini tidak mungkin; periksa kembali apakah NIK sudah benar."
    ),
    "unknown_region": "Kode wilayah pada NIK ini tidak dikenal; periksa kembali apakah NIK sudah benar.",
    "serial_zero": "Nomor urut pada NIK ini 0000, yang tidak lazim; periksa kembali apakah NIK sudah benar.",
}


class InvalidNik(ValidationFailed):
    slug = "invalid-nik"
    title = "Invalid NIK"

    def __init__(self, reason: str) -> None:
        super().__init__(REJECTION_MESSAGES[reason], extra={"reason": reason})
        self.reason = reason


class ChallengeRequired(Forbidden):
    """Too many look-ups from this client: solve the attached challenge and send the solution."""

    slug = "challenge-required"
    title = "Challenge required"

    def __init__(
        self, pow_challenge: challenge.PowChallenge, text: challenge.TextChallenge | None, *, failed: bool
    ):
        message = (
            "Jawaban tantangan tidak benar atau sudah kedaluwarsa; coba lagi."
            if failed
            else "Terlalu banyak pemeriksaan dari alamat ini; selesaikan tantangan untuk melanjutkan."
        )
        super().__init__(message, extra={"challenge": pow_challenge.as_dict()})
        self.pow_challenge = pow_challenge
        self.text_challenge = text
        self.failed = failed


@dataclass(frozen=True, slots=True)
class ChallengeAnswer:
    """What a client sends back: an ALTCHA-style solution, or (web only) the text question's answer."""

    pow_solution: str | None = None
    text_token: str | None = None
    text_answer: str | None = None

    @property
    def given(self) -> bool:
        return bool(self.pow_solution or (self.text_token and self.text_answer))


@dataclass(frozen=True, slots=True)
class Listing:
    list_id: int
    list_type: str
    owner: str
    election: str
    region: str | None
    name_masked: str
    updated_at: datetime | None = None
    """When the list's active version was stored: the answer is as of that date."""
    entry_id: int | None = None
    line: int | None = None
    """The list row (its id and its line in the uploaded file), for a report to point at."""


@dataclass(frozen=True, slots=True)
class SelfCheckResult:
    nik_masked: str
    listings: tuple[Listing, ...]
    notes: tuple[str, ...] = ()
    # Present only when listed: lets the person file a misuse report about these listings.
    report_token: str | None = None

    @property
    def listed(self) -> bool:
        return bool(self.listings)


@dataclass(frozen=True, slots=True)
class ReportGrant:
    """What a valid report token proves: this masked NIK was just found on these lists."""

    nik_masked: str
    nik_digest: str
    list_ids: frozenset[int]
    rows: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    """list id -> (list entry id, line) of the row found, for the report to cite."""


def mask_name(name: str) -> str:
    """First letter of each word, the rest starred.

    >>> mask_name("Siti  Aminah")
    'S*** A*****'
    """
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


def nik_digest(secret: str, digits: str) -> str:
    """Keyed hash of a NIK: groups one person's reports without keeping the NIK (64 hex chars)."""
    return hmac.new(secret.encode(), f"nik:{digits}".encode(), hashlib.sha256).hexdigest()


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret(), salt=REPORT_TOKEN_SALT)


def issue_report_token(settings: Settings, nik_masked: str, digest: str, listings: Sequence[Listing]) -> str:
    # Signed, not encrypted: it must never carry the plain NIK.
    rows = [[item.list_id, item.entry_id, item.line] for item in listings if item.entry_id is not None]
    list_ids = sorted({item.list_id for item in listings})
    return _serializer(settings).dumps({"m": nik_masked, "d": digest, "l": list_ids, "r": rows})


def read_report_token(settings: Settings, token: str) -> ReportGrant | None:
    """The grant in ``token``, or None if it is forged, malformed or older than the configured lifetime."""
    try:
        data = _serializer(settings).loads(token, max_age=settings.selfcheck_report_token_seconds)
        rows = {int(list_id): (int(entry_id), int(line)) for list_id, entry_id, line in data.get("r", [])}
        return ReportGrant(str(data["m"]), str(data["d"]), frozenset(int(i) for i in data["l"]), rows)
    except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError):
        return None


def _audit_lookup(session: Session, client: str, detail: dict[str, Any]) -> None:
    audit.record_lookup(session, f"public:{client}", "selfcheck.lookup", detail=detail, client=client[:64])


def _text_allowed(settings: Settings, limiter: ClientLimiter, client: str) -> bool:
    return settings.selfcheck_text_challenge and limiter.text_answers_left(client)


def new_challenge(
    settings: Settings, *, text: bool
) -> tuple[challenge.PowChallenge, challenge.TextChallenge | None]:
    """A proof of work, and a text question when ``text`` (the client may still answer one)."""
    key = settings.secret().encode()
    ttl = settings.selfcheck_challenge_ttl_seconds
    pow_challenge = challenge.issue_pow(key, maxnumber=settings.selfcheck_pow_maxnumber, ttl_seconds=ttl)
    return pow_challenge, challenge.issue_text(key, ttl_seconds=ttl) if text else None


def pending_challenge(
    settings: Settings, limiter: ClientLimiter, client: str
) -> tuple[challenge.PowChallenge, challenge.TextChallenge | None] | None:
    """A challenge to show with the form if this client's next look-up will need one."""
    if not limiter.challenge_required(client):
        return None
    return new_challenge(settings, text=_text_allowed(settings, limiter, client))


def _challenge_solved(
    settings: Settings, limiter: ClientLimiter, client: str, answer: ChallengeAnswer, *, allow_text: bool
) -> bool:
    """Whether ``answer`` passes: a proof of work, or (on the web form, within the client's allowance of
    text answers) the text question, which then counts against that allowance."""
    key = settings.secret().encode()
    if answer.pow_solution and challenge.verify_pow(key, answer.pow_solution, replay=limiter):
        return True
    if not (allow_text and answer.text_token and answer.text_answer):
        return False
    if not _text_allowed(settings, limiter, client):
        return False
    if not challenge.verify_text(key, answer.text_token, answer.text_answer, replay=limiter):
        return False
    limiter.count_text_answer(client)
    return True


# Built once: a statement object caches its compiled form, where one built per call is rebuilt and re-keyed.
_entries = table_of(ListEntry)
_lists = table_of(WatchList)
_versions = table_of(ListVersion)
_LISTINGS_OF_NIK = (
    select(
        _lists.c.id,
        _lists.c.list_type,
        _lists.c.owner,
        _lists.c.election,
        _lists.c.region,
        _entries.c.name,
        _versions.c.finished_at,
        _entries.c.id,
        _entries.c.line,
    )
    .join(_lists, _lists.c.active_version_id == _entries.c.version_id)
    .join(_versions, _versions.c.id == _entries.c.version_id)
    .where(_entries.c.nik == bindparam("nik"), _lists.c.deleted_at.is_(None))
    .limit(MAX_LISTINGS)
)


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a self-check answer was checked against: how many active lists, stored when."""

    lists: int
    oldest: datetime | None
    newest: datetime | None


def coverage(session: Session) -> Coverage:
    """The active lists a look-up searches, for the answer page to say "as of" (one small aggregate)."""
    lists, oldest, newest = (
        session.connection()
        .execute(
            select(func.count(), func.min(_versions.c.finished_at), func.max(_versions.c.finished_at))
            .select_from(_lists)
            .join(_versions, _versions.c.id == _lists.c.active_version_id)
            .where(_lists.c.deleted_at.is_(None))
        )
        .one()
    )
    return Coverage(int(lists), oldest, newest)


def find_listings(session: Session, digits: str) -> tuple[Listing, ...]:
    """Listings of one NIK on active, undeleted lists: one indexed query.

    Core on the session's connection, not an ORM query: the rows are plain values, and the ORM's execution
    layers cost the public self-check more than the query itself.
    """
    rows = session.connection().execute(_LISTINGS_OF_NIK, {"nik": digits})
    seen: dict[tuple[int, str], Listing] = {}
    for list_id, list_type, owner, election, region, name, updated_at, entry_id, line in rows:
        listing = Listing(
            list_id, list_type, owner, election, region, mask_name(name), updated_at, entry_id, line
        )
        seen.setdefault((list_id, listing.name_masked), listing)
    return tuple(
        sorted(seen.values(), key=lambda item: (item.list_type, item.owner, item.election, item.list_id))
    )


def look_up(
    session: Session,
    raw_nik: str,
    *,
    client: str,
    settings: Settings,
    limiter: ClientLimiter,
    answer: ChallengeAnswer | None = None,
    allow_text_challenge: bool = False,
) -> SelfCheckResult:
    """Run one self-check for ``client``; raises RateLimited, InvalidNik or ChallengeRequired."""
    limiter.hit("lookup", client)

    nik = parse_nik(raw_nik)
    reason = nik.rejection or ("placeholder" if "placeholder" in nik.flags else None)
    if reason is not None or nik.digits is None:
        reason = reason or "empty"
        _audit_lookup(session, client, {"outcome": "invalid", "reason": reason})
        session.commit()
        raise InvalidNik(reason)
    nik_masked = mask_nik(nik.digits)

    if limiter.challenge_required(client):
        answer = answer or ChallengeAnswer()
        if not _challenge_solved(settings, limiter, client, answer, allow_text=allow_text_challenge):
            outcome = "challenge_failed" if answer.given else "challenge_required"
            _audit_lookup(session, client, {"outcome": outcome, "nik": nik_masked})
            session.commit()
            text = allow_text_challenge and _text_allowed(settings, limiter, client)
            pow_challenge, question = new_challenge(settings, text=text)
            raise ChallengeRequired(pow_challenge, question, failed=answer.given)

    listings = find_listings(session, nik.digits)
    limiter.count_lookup(client)
    detail: dict[str, Any] = {
        "outcome": "listed" if listings else "not_listed",
        "nik": nik_masked,
        "listings": len(listings),
    }
    if nik.flags:
        detail["flags"] = sorted(nik.flags)
    _audit_lookup(session, client, detail)
    session.commit()

    notes = tuple(FLAG_NOTES[flag] for flag in sorted(nik.flags) if flag in FLAG_NOTES)
    token = None
    if listings:
        digest = nik_digest(settings.secret(), nik.digits)
        token = issue_report_token(settings, nik_masked, digest, listings)
    return SelfCheckResult(nik_masked=nik_masked, listings=listings, notes=notes, report_token=token)
