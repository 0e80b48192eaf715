"""End-to-end fixtures: a real uvicorn on a free port over a fresh, migrated SQLite database with the demo
data, and Debian's chromium driven by Playwright.

The browser is the system's ``/usr/bin/chromium`` (``scripts/install-browser.sh`` installs it); Playwright
never downloads one. Without it the tests skip with the reason — unless ``NETRA_REQUIRE_BROWSER=1`` (set by
``.ci/run``), where a missing browser is a failure. Screenshots of each main page go to
``artifacts/screenshots/`` (gitignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DEMO_PASSWORD = "netra-demo-123"  # app.services.demo.DEMO_PASSWORD
START_TIMEOUT = 60.0

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@dataclass(frozen=True)
class LiveServer:
    url: str
    demo_dir: Path
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _netra(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "netra"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"netra {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"uvicorn exited early:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    pytest.fail(f"uvicorn did not answer on {url}:\n{log.read_text(errors='replace')[-4000:]}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "NETRA_DATABASE_URL": f"sqlite:///{work / 'netra.db'}",
        "NETRA_SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
        "NETRA_ENVIRONMENT": "development",
        "NETRA_UPLOAD_DIR": str(work / "uploads"),
        "NETRA_EMBEDDED_WORKER": "true",
        "NETRA_LOG_LEVEL": "WARNING",
    }
    env.pop("NETRA_TEST_DATABASE_URL", None)
    _netra(env, "db", "upgrade")
    _netra(env, "demo", "--out", str(work / "demo"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = work / "uvicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "app.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(url, process, log)
        yield LiveServer(url, work / "demo", log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing; install it with scripts/install-browser.sh"
        if os.environ.get("NETRA_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
