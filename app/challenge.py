"""Self-hosted challenges that make bulk self-check look-ups expensive.

Two kinds, both stateless on the server (signed with the secret key) apart from a replay marker:

* **Proof of work**, in the format of ALTCHA (https://altcha.org, MIT): the server issues
  ``challenge = sha256(salt + str(number))`` for a secret random ``number <= maxnumber`` and signs it with
  HMAC-SHA256; the client finds ``number`` by brute force (on average ``maxnumber / 2`` hashes, well under a
  second in a phone browser with the default bound) and sends the solution back, base64 JSON encoded. The
  ``salt`` carries ``?expires=<unix time>`` so the signature covers the expiry. ``static/selfcheck.js`` solves
  it in the browser; API clients solve it themselves.
* **Text question**, the fallback for browsers without JavaScript: a small sum, difference, product or
  comparison written out in Indonesian words ("tujuh ditambah dua belas"), its answer bound into an
  HMAC-signed token. It is readable by a screen reader and needs no image. A script answers any such
  question for free, so it is not a barrier but an allowance: a client may pass only a few challenges this
  way per period (``NETRA_SELFCHECK_TEXT_CHALLENGE_LIMITS``, counted by the caller), after which only the
  proof of work is accepted. ``NETRA_SELFCHECK_TEXT_CHALLENGE=false`` switches it off.

Each solution is accepted once: a replay marker, kept in the rate limiter's storage until the challenge
expires, turns a second use away.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Protocol

ALGORITHM = "SHA-256"

_ONES = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)


class ReplayGuard(Protocol):
    """Remembers used challenges until they expire; ``first_use`` is False for a replay."""

    def first_use(self, key: str, ttl_seconds: int) -> bool: ...


@dataclass(frozen=True, slots=True)
class PowChallenge:
    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "challenge": self.challenge,
            "maxnumber": self.maxnumber,
            "salt": self.salt,
            "signature": self.signature,
        }


@dataclass(frozen=True, slots=True)
class TextChallenge:
    question: str
    token: str


def _hmac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def issue_pow(key: bytes, *, maxnumber: int, ttl_seconds: int, now: float | None = None) -> PowChallenge:
    """A signed proof-of-work challenge that expires ``ttl_seconds`` from now."""
    expires = int((now if now is not None else time.time()) + ttl_seconds)
    salt = f"{secrets.token_hex(12)}?expires={expires}"
    number = secrets.randbelow(maxnumber + 1)
    challenge = _sha256(f"{salt}{number}")
    return PowChallenge(ALGORITHM, challenge, maxnumber, salt, _hmac(key, challenge))


def solve_pow(challenge: PowChallenge | dict[str, Any]) -> str:
    """Brute-force a challenge and return the encoded solution (what the browser script does).

    Used by tests and the benchmark; real clients run the same loop.
    """
    data = challenge.as_dict() if isinstance(challenge, PowChallenge) else challenge
    for number in range(int(data["maxnumber"]) + 1):
        if _sha256(f"{data['salt']}{number}") == data["challenge"]:
            return encode_solution(data, number)
    raise ValueError("challenge has no solution")


def encode_solution(challenge: dict[str, Any], number: int) -> str:
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def _expiry(salt: str) -> int | None:
    _, _, query = salt.partition("?")
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name == "expires" and value.isdigit():
            return int(value)
    return None


def verify_pow(key: bytes, solution: str, *, replay: ReplayGuard, now: float | None = None) -> bool:
    """True if ``solution`` answers a challenge this server signed, unexpired and not used before."""
    try:
        data = json.loads(base64.b64decode(solution, validate=True))
        algorithm, challenge, salt, signature = (
            str(data["algorithm"]),
            str(data["challenge"]),
            str(data["salt"]),
            str(data["signature"]),
        )
        number = int(data["number"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        return False
    expires = _expiry(salt)
    current = now if now is not None else time.time()
    if algorithm != ALGORITHM or expires is None or expires < current or number < 0:
        return False
    if not hmac.compare_digest(_hmac(key, challenge), signature):
        return False
    if not hmac.compare_digest(_sha256(f"{salt}{number}"), challenge):
        return False
    return replay.first_use(f"pow:{challenge}", max(1, int(expires - current) + 1))


def _words(n: int) -> str:
    """Indonesian words for 0..99, the range the text question uses."""
    if n < 12:
        return _ONES[n]
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    tens, ones = divmod(n, 10)
    head = f"{_ONES[tens]} puluh"
    return head if ones == 0 else f"{head} {_ONES[ones]}"


_THINGS = ("buku", "kursi", "apel", "kelereng", "pensil", "botol")


def _question() -> tuple[str, int]:
    """A question in one of several shapes, and its answer (0..99).

    The shapes only make a one-pattern parser useless; a script written for all of them still answers for
    free, which is why each client may answer only a few (``NETRA_SELFCHECK_TEXT_CHALLENGE_LIMITS``).
    """
    a, b = 2 + secrets.randbelow(18), 2 + secrets.randbelow(18)
    shape = secrets.randbelow(6)
    if shape == 0:
        return f"Berapa {_words(a)} ditambah {_words(b)}?", a + b
    if shape == 1:
        return f"Berapa {_words(a + b)} dikurangi {_words(b)}?", a
    if shape == 2:
        x, y = 2 + secrets.randbelow(8), 2 + secrets.randbelow(8)
        return f"Berapa hasil {_words(x)} dikali {_words(y)}?", x * y
    if shape == 3:
        thing = _THINGS[secrets.randbelow(len(_THINGS))]
        return (
            f"Di meja ada {_words(a + b)} {thing}. Sebanyak {_words(b)} {thing} diambil. "
            f"Berapa {thing} yang tersisa?",
            a,
        )
    if shape == 4:
        if a == b:
            b += 1
        return f"Mana yang lebih besar, {_words(a)} atau {_words(b)}?", max(a, b)
    n = 10 + secrets.randbelow(90)
    return f"Tuliskan bilangan “{_words(n)}”.", n


def issue_text(key: bytes, *, ttl_seconds: int, now: float | None = None) -> TextChallenge:
    """A question in words, e.g. ("Berapa tujuh ditambah dua belas?", token carrying the signed answer)."""
    question, answer = _question()
    expires = int((now if now is not None else time.time()) + ttl_seconds)
    nonce = secrets.token_hex(8)
    body = f"{nonce}.{expires}"
    token = f"{body}.{_hmac(key, f'text:{body}:{answer}')}"
    return TextChallenge(question, token)


def verify_text(
    key: bytes, token: str, answer: str, *, replay: ReplayGuard, now: float | None = None
) -> bool:
    """True if ``answer`` (digits) answers the question signed into ``token``, once."""
    try:
        nonce, expires_text, signature = token.split(".")
        expires = int(expires_text)
        value = int(answer.strip())
    except ValueError:
        return False
    current = now if now is not None else time.time()
    if expires < current:
        return False
    if not hmac.compare_digest(_hmac(key, f"text:{nonce}.{expires}:{value}"), signature):
        return False
    return replay.first_use(f"text:{nonce}", max(1, int(expires - current) + 1))
