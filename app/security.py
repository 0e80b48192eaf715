"""Credentials: API keys for machines, argon2 password hashes for people, CSRF tokens for web forms.

API keys look like ``netra_<prefix>_<secret>``: the prefix (12 hex characters) finds the row, the whole key is
compared against a SHA-256 digest. A fast hash is right here and a slow one is not: the secret carries 256
bits from ``secrets.token_urlsafe(32)``, so there is nothing to brute-force that stretching would protect,
while every API request verifies a key and must stay cheap. No pepper either: a key must keep working when the
``secret_key`` (which in development changes with every process) is rotated. Human passwords are low-entropy
and get argon2id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

KEY_SCHEME = "netra"
PREFIX_BYTES = 6
SECRET_BYTES = 32

_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class NewApiKey:
    plain: str  # shown once, never stored
    prefix: str
    key_hash: str


def hash_api_key(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def generate_api_key() -> NewApiKey:
    prefix = secrets.token_hex(PREFIX_BYTES)
    plain = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return NewApiKey(plain=plain, prefix=prefix, key_hash=hash_api_key(plain))


def api_key_prefix(plain: str) -> str | None:
    """The lookup prefix of a well-formed key, or ``None``.

    >>> api_key_prefix("netra_0a1b2c3d4e5f_s3cr-et_value")
    '0a1b2c3d4e5f'
    >>> api_key_prefix("Bearer nonsense") is None
    True
    """
    scheme, _, rest = plain.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != KEY_SCHEME or len(prefix) != 2 * PREFIX_BYTES or not secret:
        return None
    if any(c not in "0123456789abcdef" for c in prefix):
        return None
    return prefix


def api_key_matches(plain: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(plain), key_hash)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A hash of a throwaway password, verified when a username is unknown so both answers take as long.
DUMMY_PASSWORD_HASH = _hasher.hash(secrets.token_urlsafe(16))


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def hash_session_token(token: str) -> str:
    # 256 random bits: a plain hash is enough, and lets the database find the row by it.
    return hashlib.sha256(token.encode()).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_token_matches(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
