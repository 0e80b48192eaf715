"""Settings, log masking and error documents: the small pieces everything else leans on."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.errors import RateLimited
from app.logging import JsonFormatter, mask_niks, request_id_var


def test_production_refuses_missing_or_placeholder_secret() -> None:
    with pytest.raises(ValidationError, match="NETRA_SECRET_KEY"):
        Settings(environment="production", secret_key=None)
    with pytest.raises(ValidationError, match="NETRA_SECRET_KEY"):
        Settings(environment="production", secret_key="changeme")


def test_development_generates_a_secret_per_process() -> None:
    first = Settings(environment="development", secret_key=None)
    second = Settings(environment="development", secret_key=None)
    assert len(first.secret()) >= 32
    assert first.secret() != second.secret()


def test_trusted_proxies_accept_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETRA_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
    assert Settings(secret_key="s" * 40).trusted_proxies == ["10.0.0.1", "192.168.0.0/16"]


def test_mask_niks_masks_only_16_digit_runs() -> None:
    assert mask_niks("3271011501900001") == "3271********0001"
    assert mask_niks("nip 198503132010011001 nik 3271011501900001.") == (
        "nip 198503132010011001 nik 3271********0001."
    )
    assert mask_niks("12345") == "12345"


def test_json_log_lines_carry_request_id_and_never_a_nik() -> None:
    record = logging.makeLogRecord(
        {
            "name": "t",
            "levelname": "INFO",
            "msg": "looked up %s",
            "args": ("3271011501900001",),
            "extra_nik": "x",
        }
    )
    token = request_id_var.set("req-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["request_id"] == "req-1"
    assert entry["message"] == "looked up 3271********0001"
    assert "3271011501900001" not in line


def test_rate_limited_carries_retry_after() -> None:
    error = RateLimited(retry_after=30)
    assert error.status == 429
    assert error.headers == {"Retry-After": "30"}
