"""What the self-check's proof of work costs a person and a script: ``python -m bench.challenge``.

Measured in one run, on this machine:

1. **The browser**: Debian's chromium (headless) runs the shipped ``app/static/selfcheck.js`` solver, the
   only change being one line that hands its ``solve`` function to the benchmark, on ``--rounds`` fresh
   challenges at ``--maxnumber``. Hashes per second and the median solving time.
2. **A script in Python**, the attacker's cheapest code: ``hashlib`` with the salt's state copied, so each
   try hashes only the number. One core.
3. **The native floor**: ``openssl speed`` SHA-256 on 48-byte messages (a challenge's length), one core:
   what a C or Go solver gets without any Python.

A phone is slower than this machine: the browser runs once more under chromium's CPU throttling at
``--phone-slowdown`` (4 by default, the slowdown Lighthouse applies to emulate a mid-tier mobile phone).
The script then prints the ``maxnumber`` whose average solve (``maxnumber / 2`` hashes) takes that phone
``--target-seconds``, and what one look-up and a million look-ups cost a script at that setting.

The rate limits, not the proof of work, are what bound one client: look-ups past the free ones per window
need a challenge each, and a client gets at most the per-day limit. The proof of work prices the look-ups
of a client that spreads itself over many addresses.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from app import challenge

ROOT = Path(__file__).resolve().parents[1]
SOLVER = ROOT / "app" / "static" / "selfcheck.js"
CHROMIUM = Path("/usr/bin/chromium")
ANCHOR = 'var box = document.getElementById("altcha");'
KEY = b"bench-key"


def browser_rate(maxnumber: int, rounds: int, *, slowdown: float = 1.0) -> tuple[float, float]:
    """(hashes per second, median seconds per solve) of the shipped solver in headless chromium, its CPU
    throttled ``slowdown`` times."""
    from playwright.sync_api import sync_playwright

    source = SOLVER.read_text()
    assert ANCHOR in source, "selfcheck.js changed: update the benchmark's anchor"
    exposed = source.replace(ANCHOR, "window.netraSolve = solve; " + ANCHOR)
    seconds: list[float] = []
    hashes = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        if slowdown > 1:
            cdp = page.context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
        page.set_content("<!doctype html><title>bench</title>")
        page.add_script_tag(content=exposed)
        for _ in range(rounds):
            issued = challenge.issue_pow(KEY, maxnumber=maxnumber, ttl_seconds=600).as_dict()
            found, elapsed = page.evaluate(
                """async (ch) => {
                    const started = performance.now();
                    const n = await window.netraSolve(ch);
                    return [n, (performance.now() - started) / 1000];
                }""",
                issued,
            )
            seconds.append(elapsed)
            hashes += int(found) + 1
        browser.close()
    return hashes / sum(seconds), statistics.median(seconds)


def python_rate(tries: int = 400_000) -> float:
    """Hashes per second of the cheapest Python solver on one core."""
    issued = challenge.issue_pow(KEY, maxnumber=tries, ttl_seconds=600)
    target = bytes.fromhex(issued.challenge)
    prefix = hashlib.sha256(issued.salt.encode())
    started = time.perf_counter()
    for number in range(tries):
        attempt = prefix.copy()
        attempt.update(str(number).encode())
        if attempt.digest() == target:
            pass
    return tries / (time.perf_counter() - started)


def native_rate() -> float | None:
    """SHA-256 hashes per second of 48-byte messages per core from ``openssl speed``, if installed."""
    if shutil.which("openssl") is None:
        return None
    output = subprocess.run(
        ["openssl", "speed", "-seconds", "2", "-bytes", "48", "sha256"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    match = re.search(r"^sha256\s+([\d.]+)k", output, re.MULTILINE)
    return float(match.group(1)) * 1000 / 48 if match else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--maxnumber", type=int, default=None, help="default: the configured setting")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--phone-slowdown", type=float, default=4.0)
    parser.add_argument("--target-seconds", type=float, default=1.5)
    args = parser.parse_args()
    from app.config import Settings

    maxnumber = args.maxnumber or Settings().selfcheck_pow_maxnumber

    browser, median = browser_rate(maxnumber, args.rounds)
    phone, phone_median = browser_rate(maxnumber, args.rounds, slowdown=args.phone_slowdown)
    python = python_rate()
    native = native_rate()
    suggested = int(2 * args.target_seconds * phone)
    print(f"maxnumber {maxnumber:,}: average {maxnumber // 2:,} hashes per look-up")
    print(f"chromium (shipped solver)  {browser:>12,.0f} hashes/s   median solve {median:.2f} s")
    print(
        f"phone (CPU throttled {args.phone_slowdown:g}x)   {phone:>12,.0f} hashes/s   "
        f"median solve {phone_median:.2f} s, average {maxnumber / 2 / phone:.2f} s"
    )
    print(f"python script, 1 core      {python:>12,.0f} hashes/s   ratio to chromium {python / browser:.2f}")
    if native is not None:
        print(
            f"native floor, 1 core       {native:>12,.0f} hashes/s   ratio to chromium {native / browser:.2f}"
        )
    print(f"\nmaxnumber for a {args.target_seconds:g} s average on a phone: {suggested:,}")
    for label, rate in (("python", python), ("native", native)):
        if rate is None:
            continue
        per_lookup = suggested / 2 / rate
        print(
            f"  {label}: {per_lookup * 1000:.0f} ms of one core per look-up; "
            f"{per_lookup * 1_000_000 / 3600:,.0f} core-hours per million look-ups"
        )


if __name__ == "__main__":
    main()
