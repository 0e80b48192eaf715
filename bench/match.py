"""Benchmark: ``python -m bench.match [--roster N] [--list N]``.

Times the in-memory :class:`matching.ListIndex` (build + match) against a plain exact-NIK dictionary join in
the same run, on synthetic data (default 50,000 roster people x 2,000,000 list entries) with planted findings.
Prints both times, their ratio, rows per second and peak memory. Targets (issue 3): under 5 s on 2 cores,
within 3x of the baseline, under 2 GB.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import time
from datetime import date

import numpy as np

from matching.matcher import ListEntry, ListIndex, RosterPerson
from matching.regions import _table
from matching.synthetic import generate, random_person


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def background(n: int, seed: int, start_ref: int) -> list[ListEntry]:
    """Unrelated list entries, generated in bulk (valid NIKs, real districts, noise)."""
    rng = np.random.default_rng(seed)
    districts = np.array(sorted(int(c) for c, r in _table().items() if r.level == 3), dtype=np.int64)
    district = rng.choice(districts, n)
    female = rng.random(n) < 0.5
    days = rng.integers(0, 365 * 60, n)
    base = np.datetime64("1950-01-01") + days.astype("timedelta64[D]")
    years = base.astype("datetime64[Y]").astype(int) + 1970
    months = base.astype("datetime64[M]").astype(int) % 12 + 1
    dom = (base - base.astype("datetime64[M]")).astype(int) + 1
    serial = np.where(rng.random(n) < 0.6, rng.integers(1, 6, n), rng.integers(1, 3000, n))
    nik = district * 10**10 + (dom + 40 * female) * 10**8 + months * 10**6 + (years % 100) * 10**4 + serial
    names_rng = random.Random(seed)
    pool = [random_person(names_rng).name for _ in range(20000)]
    name_idx = rng.integers(0, len(pool), n)
    kind = rng.random(n)
    nik_str = nik.astype("U16").tolist()
    entries: list[ListEntry] = []
    append = entries.append
    for i in range(n):
        k = kind[i]
        text: str | None = nik_str[i]
        numeric = False
        birth = None
        regency = None
        if k < 0.03:
            # No usable NIK: these carry birth date and regency (SILON forms do).
            text = None if k < 0.015 else "3.27105E+15"
            birth = date(int(years[i]), int(months[i]), int(dom[i]))
            regency = nik_str[i][:4]
        elif k < 0.04:
            assert text is not None
            text, numeric = text[:15] + "0", True
        elif k < 0.06:
            text = f"'{text}"
        append(ListEntry(start_ref + i, text, pool[name_idx[i]], birth, regency, None, numeric))
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--roster", type=int, default=50_000)
    parser.add_argument("--list", type=int, default=2_000_000)
    parser.add_argument("--plant", type=int, default=500, help="planted findings per kind")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    t = time.perf_counter()
    planted = generate(
        args.seed,
        roster_size=max(0, args.roster - 6 * args.plant - 3 * args.plant),
        list_size=0,
        plant_per_kind=args.plant,
        decoys_per_type=args.plant,
    )
    roster: list[RosterPerson] = list(planted.roster)
    entries = background(max(0, args.list - len(planted.entries)), args.seed, 10_000_000)
    entries.extend(planted.entries)
    random.Random(args.seed).shuffle(entries)
    print(
        f"data: {len(roster):,} roster x {len(entries):,} list entries "
        f"(generated in {time.perf_counter() - t:.1f} s)"
    )
    # The input rows are long-lived: keep the cyclic collector from re-walking 2M objects during both timings.
    gc.collect()
    gc.freeze()
    rss_data = _rss_mb()

    t = time.perf_counter()
    by_nik = {e.nik: e for e in entries}
    exact = [(p, by_nik[p.nik]) for p in roster if p.nik in by_nik]
    baseline = time.perf_counter() - t
    del by_nik
    gc.collect()

    t = time.perf_counter()
    index = ListIndex(entries)
    built = time.perf_counter() - t
    findings = index.match(roster)
    total = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = len(roster) + len(entries)
    found = {(f.roster_ref, f.list_ref): f.kind for f in findings}
    hit = sum(found.get(pair) == kind for pair, kind in planted.labels.items())
    print(
        f"baseline exact-NIK dict join: {baseline:6.2f} s  "
        f"({len(exact):,} pairs, {rows / baseline:,.0f} rows/s)"
    )
    print(
        f"ListIndex build + match:      {total:6.2f} s  (build {built:.2f} s, match {total - built:.2f} s; "
        f"{len(findings):,} findings, {rows / total:,.0f} rows/s)"
    )
    print(f"ratio ListIndex / baseline:   {total / baseline:6.2f}x")
    print(f"memory: data {rss_data:,.0f} MB resident, process peak {peak:,.0f} MB")
    print(f"planted findings recovered:   {hit:,} / {len(planted.labels):,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
