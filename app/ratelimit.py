"""Per-client limits for the public self-check, and the login throttle, built on the ``limits`` library.

Moving windows (every hit is timestamped, so there is no burst at a window edge), kept in memory by default
or in Redis when ``NETRA_RATE_LIMIT_STORAGE`` names one (``redis://host:6379/0``) — needed as soon as more
than one process serves the self-check, since in-memory counters are per process.

The client is the socket peer, unless that peer is one of ``NETRA_TRUSTED_PROXIES``: then ``X-Forwarded-For``
is read from the right, skipping trusted proxies, and the first address that is not one of them is the client.
Everything to the left of it was written by the client itself and is ignored, so a spoofed header from an
untrusted peer changes nothing.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from fastapi import Request
from limits import RateLimitItem, parse, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.config import Settings
from app.errors import RateLimited

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """``["10.0.0.0/8", "127.0.0.1"]`` → networks; a bare address is a /32 (or /128)."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is the same client.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Sequence[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: Sequence[IPNetwork]) -> str:
    """The honest client address for rate limiting and audit.

    >>> nets = parse_networks(["10.0.0.0/8"])
    >>> client_address("203.0.113.9", "1.2.3.4", nets)  # untrusted peer: header ignored
    '203.0.113.9'
    >>> client_address("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.1", nets)
    '198.51.100.7'
    """
    peer_ip = _parse_ip(peer) if peer else None
    if peer_ip is None:
        return peer or "unknown"
    if not forwarded_for or not _trusted(peer_ip, proxies):
        return str(peer_ip)
    client = peer_ip
    for hop in reversed([part for part in forwarded_for.split(",") if part.strip()]):
        hop_ip = _parse_ip(hop)
        if hop_ip is None:
            # Garbage written by whoever sits left of the last trusted hop: stop at what we know.
            break
        client = hop_ip
        if not _trusted(hop_ip, proxies):
            break
    return str(client)


@dataclass(frozen=True, slots=True)
class Limits:
    lookups: tuple[RateLimitItem, ...]
    reports: tuple[RateLimitItem, ...]
    free_lookups: RateLimitItem | None  # look-ups allowed before a challenge; None: never challenge
    text_answers: tuple[RateLimitItem, ...] = ()  # text-question answers a client may give


class ClientLimiter:
    """Counts requests per client and scope; raises :class:`RateLimited` with a retry delay."""

    def __init__(self, storage: Storage, limits: Limits) -> None:
        self.storage = storage
        self.limits = limits
        self._limiter = MovingWindowRateLimiter(storage)

    def _items(self, scope: str) -> tuple[RateLimitItem, ...]:
        return self.limits.reports if scope == "report" else self.limits.lookups

    def hit(self, scope: str, client: str) -> None:
        """Count one request, or raise if any of the scope's limits is spent (then nothing is counted)."""
        items = self._items(scope)
        spent = [item for item in items if not self._limiter.test(item, scope, client)]
        if spent:
            now = time.time()
            resets = [self._limiter.get_window_stats(item, scope, client).reset_time for item in spent]
            retry_after = max(1, math.ceil(max(resets) - now))
            raise RateLimited(
                f"Terlalu banyak permintaan. Coba lagi dalam {retry_after} detik.", retry_after=retry_after
            )
        for item in items:
            self._limiter.hit(item, scope, client)

    def challenge_required(self, client: str) -> bool:
        """True once the client has used its free look-ups in the challenge window."""
        free = self.limits.free_lookups
        if free is None:
            return False
        return not self._limiter.test(free, "free", client)

    def count_lookup(self, client: str) -> None:
        if self.limits.free_lookups is not None:
            self._limiter.hit(self.limits.free_lookups, "free", client)

    def text_answers_left(self, client: str) -> bool:
        """True while the client may still pass a challenge by answering the text question."""
        return all(self._limiter.test(item, "text", client) for item in self.limits.text_answers)

    def count_text_answer(self, client: str) -> None:
        for item in self.limits.text_answers:
            self._limiter.hit(item, "text", client)

    def first_use(self, key: str, ttl_seconds: int) -> bool:
        """Replay guard for challenge solutions (see ``app.challenge``)."""
        return self.storage.incr(f"netra/used/{key}", ttl_seconds) == 1

    def reset(self) -> None:
        self.storage.reset()


def limits_from_settings(settings: Settings) -> Limits:
    free: RateLimitItem | None = None
    if settings.selfcheck_challenge_after > 0:
        free = parse(f"{settings.selfcheck_challenge_after}/{settings.selfcheck_challenge_window}")
    return Limits(
        lookups=tuple(parse_many(settings.selfcheck_rate_limits)),
        reports=tuple(parse_many(settings.selfcheck_report_rate_limits)),
        free_lookups=free,
        text_answers=tuple(parse_many(settings.selfcheck_text_challenge_limits)),
    )


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_account: tuple[RateLimitItem, ...]
    per_client: tuple[RateLimitItem, ...]


class LoginThrottle:
    """Bounds password guessing per account and per client.

    An account's attempts are reserved atomically before the password is checked, so parallel requests
    cannot outrun the limit, and a success clears them: the person who knows the password is not locked
    out by their own typos. A client's failures are counted after the check, so one office behind a single
    address may log in many people without tripping the limit meant for password spraying.
    """

    def __init__(self, storage: Storage, limits: LoginLimits) -> None:
        self.limits = limits
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)

    @staticmethod
    def _account(username: str) -> str:
        return username.strip().casefold()[:80]

    def _retry_after(self, items: Sequence[RateLimitItem], *identifiers: str) -> int:
        now = time.time()
        resets = [self._limiter.get_window_stats(item, *identifiers).reset_time for item in items]
        return max(1, math.ceil(max(resets) - now))

    def reserve(self, username: str, client: str) -> None:
        """Count one attempt against the account, or raise :class:`LoginThrottled` with the wait."""
        per_client = self.limits.per_client
        spent = [item for item in per_client if not self._limiter.test(item, "login-client", client)]
        if spent:
            raise self._throttled("client", client, self._retry_after(spent, "login-client", client))
        account = self._account(username)
        for item in self.limits.per_account:
            if not self._limiter.hit(item, "login-account", account):
                retry_after = self._retry_after([item], "login-account", account)
                raise self._throttled("account", account, retry_after)

    def _throttled(self, scope: str, key: str, retry_after: int) -> LoginThrottled:
        # The first refusal of a lock-out is the one worth an audit event; an attacker hammering a locked
        # account must not be able to fill the audit trail at no cost.
        first = self.storage.incr(f"netra/login-throttled/{scope}/{key}", retry_after) == 1
        return LoginThrottled(scope, retry_after, first=first)

    def failed(self, client: str) -> None:
        for item in self.limits.per_client:
            self._limiter.hit(item, "login-client", client)

    def succeeded(self, username: str) -> None:
        account = self._account(username)
        for item in self.limits.per_account:
            self._limiter.clear(item, "login-account", account)


class LoginThrottled(RateLimited):
    """Too many login attempts; ``scope`` says whether the account or the client is throttled."""

    def __init__(self, scope: str, retry_after: int, *, first: bool) -> None:
        super().__init__(
            f"Too many login attempts for this {scope}; try again in {retry_after} seconds",
            retry_after=retry_after,
        )
        self.scope = scope
        self.first = first


@lru_cache(maxsize=8)
def _storage_for(storage_uri: str) -> Storage:
    """One counter store per URI, shared by the self-check limiter and the login throttle."""
    storage = storage_from_string(storage_uri)
    if not isinstance(storage, Storage):
        raise ValueError(f"NETRA_RATE_LIMIT_STORAGE must name a synchronous storage, not {storage_uri!r}")
    return storage


@lru_cache(maxsize=8)
def _limiter_for(storage_uri: str, limits: Limits) -> ClientLimiter:
    return ClientLimiter(_storage_for(storage_uri), limits)


@lru_cache(maxsize=8)
def _throttle_for(storage_uri: str, limits: LoginLimits) -> LoginThrottle:
    return LoginThrottle(_storage_for(storage_uri), limits)


def get_login_throttle(settings: Settings) -> LoginThrottle:
    limits = LoginLimits(
        per_account=tuple(parse_many(settings.login_rate_limits_account)),
        per_client=tuple(parse_many(settings.login_rate_limits_client)),
    )
    return _throttle_for(settings.rate_limit_storage, limits)


def get_limiter(settings: Settings) -> ClientLimiter:
    """One limiter per storage URI and configuration, shared by all requests of the process."""
    return _limiter_for(settings.rate_limit_storage, limits_from_settings(settings))


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return parse_networks(values)


def trusted_networks(settings: Settings) -> tuple[IPNetwork, ...]:
    return _networks(tuple(settings.trusted_proxies))


def request_client(request: Request, settings: Settings) -> str:
    """The client address of ``request`` (see :func:`client_address`)."""
    peer = request.client.host if request.client else None
    # Several X-Forwarded-For headers count as one list, in order (RFC 9110 §5.3).
    forwarded = ",".join(request.headers.getlist("x-forwarded-for")) or None
    return client_address(peer, forwarded, trusted_networks(settings))
