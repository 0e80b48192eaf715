"""Quality report on the project's synthetic generator: ``python -m bench.quality``.

Prints precision, recall and F1 overall and per kind, and every decoy that was reported (there must be none).
Targets (issue 3): precision >= 0.995, no decoy reported, recall >= 0.99 for same-NIK kinds and >= 0.97 for
one-digit and name-only kinds.
"""

from __future__ import annotations

import argparse
from collections import Counter

from matching.engine import match
from matching.records import Finding
from matching.synthetic import KINDS_PLANTED, Synthetic, generate


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(data: Synthetic, findings: list[Finding]) -> dict[str, object]:
    """Compare findings with the ground truth; a finding counts only with the planted kind."""
    found = {(f.roster_ref, f.list_ref): f for f in findings}
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    wrong: list[tuple[Finding, str]] = []
    for pair, f in found.items():
        truth = data.labels.get(pair)
        if truth == f.kind:
            tp[f.kind] += 1
        else:
            fp[f.kind] += 1
            wrong.append((f, truth or data.decoys.get(pair, "unrelated")))
    missed = []
    for pair, kind in data.labels.items():
        if pair not in found or found[pair].kind != kind:
            fn[kind] += 1
            missed.append((pair, kind))
    decoys = [
        (f, data.decoys[(f.roster_ref, f.list_ref)])
        for f in findings
        if (f.roster_ref, f.list_ref) in data.decoys
    ]
    return {"tp": tp, "fp": fp, "fn": fn, "wrong": wrong, "missed": missed, "decoys": decoys}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--roster", type=int, default=5000)
    parser.add_argument("--list", type=int, default=50000)
    parser.add_argument("--plant", type=int, default=300, help="planted findings per kind")
    parser.add_argument("--decoys", type=int, default=300, help="decoys per type")
    parser.add_argument("--show", type=int, default=10, help="examples of errors to print")
    args = parser.parse_args(argv)

    data = generate(
        args.seed,
        roster_size=args.roster,
        list_size=args.list,
        plant_per_kind=args.plant,
        decoys_per_type=args.decoys,
    )
    findings = match(data.roster, data.entries)
    result = evaluate(data, findings)
    tp: Counter[str] = result["tp"]  # type: ignore[assignment]
    fp: Counter[str] = result["fp"]  # type: ignore[assignment]
    fn: Counter[str] = result["fn"]  # type: ignore[assignment]
    print(
        f"roster {len(data.roster):,}  list {len(data.entries):,}  planted {len(data.labels):,}  "
        f"decoys {len(data.decoys):,}  findings {len(findings):,}"
    )
    print(f"{'kind':26} {'tp':>6} {'fp':>5} {'fn':>5} {'precision':>9} {'recall':>7} {'f1':>6}")
    for kind in (*KINDS_PLANTED, "overall"):
        t = sum(tp.values()) if kind == "overall" else tp[kind]
        p_ = sum(fp.values()) if kind == "overall" else fp[kind]
        n = sum(fn.values()) if kind == "overall" else fn[kind]
        precision = t / (t + p_) if t + p_ else 1.0
        recall = t / (t + n) if t + n else 1.0
        print(f"{kind:26} {t:6} {p_:5} {n:5} {precision:9.4f} {recall:7.4f} {_f1(precision, recall):6.4f}")
    decoys = result["decoys"]
    print(f"decoys reported: {len(decoys)}")  # type: ignore[arg-type]
    planted_types = Counter(data.decoys.values())
    reported_types = Counter(why for _, why in decoys)  # type: ignore[attr-defined]
    print("  " + ", ".join(f"{t} {reported_types[t]}/{n}" for t, n in sorted(planted_types.items())))
    for f, why in decoys[: args.show]:  # type: ignore[index]
        print(f"  DECOY {why}: {f.explanation_text()}")
    by_ref = {p.ref: p for p in data.roster}
    by_list = {e.ref: e for e in data.entries}
    for f, truth in result["wrong"][: args.show]:  # type: ignore[index]
        r, e = by_ref[f.roster_ref], by_list[f.list_ref]
        print(f"  FP (truth {truth}) {r.nik!r} {r.name!r} | {e.nik!r} {e.name!r}: {f.explanation_text()}")
    for (rr, lr), kind in result["missed"][: args.show]:  # type: ignore[index]
        r, e = by_ref[rr], by_list[lr]
        print(
            f"  FN {kind}: {r.nik!r} {r.name!r} nip={r.nip} | {e.nik!r} {e.name!r} {e.birth_date} "
            f"{e.regency} {e.gender}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
