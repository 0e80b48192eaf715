"""Matcher quality: ``python -m bench.quality [--full]``.

Prints precision, recall and F1 overall and per kind on two generators, in the same run:

* the **uniform** generator (:mod:`app.services.synthetic`: people from all over Indonesia, planted
  findings and planted decoys), quick, with every decoy that was reported (there must be none);
* data **shaped like real files** (:mod:`bench.realistic`: one kabupaten's roster, serials in sequence per
  district and birth date, names with realistic frequencies, Excel damage on both sides, lists with and
  without birth date and regency) at 2k × 200k, and with ``--full`` at 50k × 2M too; its false findings
  are counted per cause: an initial carrying the agreement, a one-word name inside a longer one, a
  name-only finding on the last of several words, other.

Targets (at 50k × 2M): precision >= 0.998 with no false finding of the first three causes,
recall >= 0.995 overall and >= 0.99 on every kind.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Mapping, Sequence

from app.services.synthetic import KINDS_PLANTED, generate
from bench import realistic
from matching.engine import match
from matching.names import normalize_name
from matching.records import Finding, ListEntry, RosterPerson

Pair = tuple[int | str, int | str]


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _table(labels: Mapping[Pair, str], findings: Sequence[Finding]) -> tuple[list[Finding], list[Pair]]:
    """Print the per-kind table; return the false findings and the missed pairs."""
    found = {(f.roster_ref, f.list_ref): f for f in findings}
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    wrong = []
    for pair, f in found.items():
        if labels.get(pair) == f.kind:
            tp[f.kind] += 1
        else:
            fp[f.kind] += 1
            wrong.append(f)
    missed = [pair for pair, kind in labels.items() if pair not in found or found[pair].kind != kind]
    for pair in missed:
        fn[labels[pair]] += 1
    print(f"  {'kind':26} {'tp':>7} {'fp':>5} {'fn':>5} {'precision':>9} {'recall':>7} {'f1':>6}")
    for kind in (*KINDS_PLANTED, "overall"):
        t = sum(tp.values()) if kind == "overall" else tp[kind]
        p_ = sum(fp.values()) if kind == "overall" else fp[kind]
        n = sum(fn.values()) if kind == "overall" else fn[kind]
        precision = t / (t + p_) if t + p_ else 1.0
        recall = t / (t + n) if t + n else 1.0
        print(f"  {kind:26} {t:7} {p_:5} {n:5} {precision:9.4f} {recall:7.4f} {_f1(precision, recall):6.4f}")
    return wrong, missed


def cause(finding: Finding, roster_name: str, list_name: str) -> str:
    """Why a false finding was made, by the three causes seen on real-shaped lists (read from the names,
    not from the rules)."""
    r, e = normalize_name(roster_name), normalize_name(list_name)
    words_r = [u for u, initial in zip(r.unified, r.initials, strict=True) if not initial]
    words_e = [u for u, initial in zip(e.unified, e.initials, strict=True) if not initial]
    shared = set(words_r) & set(words_e)
    if (
        finding.kind in ("name_birth_region", "nik_district_name")
        and len(words_e) > 1
        and shared == {words_e[-1]}
    ):
        return "name-only, on the last of several words"
    if (any(r.initials) or any(e.initials)) and not shared:
        return "an initial carrying the agreement"
    if shared and min(len(words_r), len(words_e)) == 1 and max(len(words_r), len(words_e)) > 1:
        return "a one-word name inside a longer one"
    return f"other ({finding.kind})"


def _report(
    roster: Sequence[RosterPerson],
    entries: Sequence[ListEntry],
    labels: Mapping[Pair, str],
    show: int,
) -> None:
    started = time.perf_counter()
    findings = match(roster, entries)
    print(f"  {len(findings):,} findings in {time.perf_counter() - started:.1f} s")
    wrong, missed = _table(labels, findings)
    by_ref = {p.ref: p for p in roster}
    by_list = {e.ref: e for e in entries}
    causes = Counter(cause(f, by_ref[f.roster_ref].name, by_list[f.list_ref].name) for f in wrong)
    print("  false findings by cause: " + (", ".join(f"{c} {n}" for c, n in causes.most_common()) or "none"))
    for f in wrong[:show]:
        r, e = by_ref[f.roster_ref], by_list[f.list_ref]
        truth = labels.get((f.roster_ref, f.list_ref), "unrelated")
        print(f"    FP (truth {truth}) {r.nik!r} {r.name!r} | {e.nik!r} {e.name!r}: {f.explanation_text()}")
    for rr, lr in missed[:show]:
        r, e = by_ref[rr], by_list[lr]
        print(
            f"    FN {labels[(rr, lr)]}: {r.nik!r} {r.name!r} nip={r.nip} | {e.nik!r} {e.name!r} "
            f"{e.birth_date} {e.regency} {e.gender}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--full", action="store_true", help="also 50,000 x 2,000,000 (a few minutes)")
    parser.add_argument("--show", type=int, default=10, help="examples of errors to print")
    args = parser.parse_args(argv)

    uniform = generate(args.seed, roster_size=5000, list_size=50000, plant_per_kind=300, decoys_per_type=300)
    print(
        f"uniform generator (quick): roster {len(uniform.roster):,}, list {len(uniform.entries):,}, "
        f"planted {len(uniform.labels):,}, decoys {len(uniform.decoys):,}"
    )
    findings = match(uniform.roster, uniform.entries)
    _table(uniform.labels, findings)
    decoys = Counter(
        uniform.decoys[(f.roster_ref, f.list_ref)]
        for f in findings
        if (f.roster_ref, f.list_ref) in uniform.decoys
    )
    planted = Counter(uniform.decoys.values())
    print("  decoys reported: " + ", ".join(f"{t} {decoys[t]}/{n}" for t, n in sorted(planted.items())))

    sizes = [(2_000, 200_000)] + ([(50_000, 2_000_000)] if args.full else [])
    for people, rows in sizes:
        started = time.perf_counter()
        data = realistic.generate(args.seed, roster_size=people, list_size=rows)
        print(
            f"\nshaped like real files: roster {len(data.roster):,} in kabupaten {data.home}, list "
            f"{len(data.entries):,} ({', '.join(f'{k} {n:,}' for k, n in sorted(data.layouts.items()))}), "
            f"{len(data.labels):,} true pairs; generated in {time.perf_counter() - started:.1f} s"
        )
        _report(data.roster, data.entries, data.labels, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
