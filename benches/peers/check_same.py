"""Check that two summary CSVs agree; print a one-line verdict, exit 1 on mismatch.

Both files have columns customer_id,frequency,recency,T,monetary_value (any row
order). Required: the same customer set, frequency/recency/T exactly equal
(compared as numbers, so "3" equals "3.0"), monetary_value within 1e-6 relative.

    python3 benches/peers/check_same.py A.csv B.csv
"""

import csv
import math
import sys

INT_COLS = ("frequency", "recency", "T")


def load(path: str) -> dict:
    with open(path, newline="") as f:
        return {int(float(r["customer_id"])): r for r in csv.DictReader(f)}


def main() -> int:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a, b = load(sys.argv[1]), load(sys.argv[2])
    if a.keys() != b.keys():
        print(f"MISMATCH: customer sets differ ({len(a.keys() - b.keys())} only in A, "
              f"{len(b.keys() - a.keys())} only in B)")
        return 1
    bad, worst = [], 0.0
    for cid in sorted(a):
        ra, rb = a[cid], b[cid]
        cols = [c for c in INT_COLS if float(ra[c]) != float(rb[c])]
        ma, mb = float(ra["monetary_value"]), float(rb["monetary_value"])
        rel = abs(ma - mb) / max(abs(ma), abs(mb)) if ma != mb else 0.0
        worst = max(worst, rel)
        if not math.isfinite(rel) or rel > 1e-6:
            cols.append("monetary_value")
        if cols:
            bad.append((cid, cols))
    if bad:
        cid, cols = bad[0]
        print(f"MISMATCH: {len(bad)} of {len(a)} customers differ; first customer {cid} in {','.join(cols)}")
        return 1
    print(f"SAME: {len(a)} customers, frequency/recency/T exact, monetary_value max rel diff {worst:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
