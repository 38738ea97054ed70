"""Provides a benchmark: vectorised evaluation of many lots against a Python loop over `evaluate_lot`.

Builds LOTS lots of one rule set, nominal quantity and lot size (default: 100 000 lots of 125
packages around 500 g, JJF 1070-2005, N = 5000), judges them all with
`fieldtool.stats.evaluate_lots`, and judges a subset with `evaluate_lot` in a plain loop (the
loop's rate is extrapolated to all lots). Prints throughput, the ratio, peak memory, and checks
that both give the same verdicts on the subset.

    python benchmarks/bench_vectorised.py [--lots 100000] [--loop-lots 2000] [--seed 20240601]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from decimal import Decimal

import numpy as np
from timing import median_time

from fieldtool.core.evaluate import evaluate_lot
from fieldtool.core.quantity import unit
from fieldtool.core.rules import ResolvedPlan, resolve_plan, tne
from fieldtool.plans.rules import load_rule_set
from fieldtool.stats import OUTCOMES, LotsResult, evaluate_lots

TARGET_RATIO = 20.0
"""The vectorised path should judge lots at least this many times faster than the loop."""


def build_lots(rng: np.random.Generator, lots: int, n: int, nominal: float, t: float, decimals: int) -> np.ndarray:
    """Plausible net quantities (int64 scaled by 10**decimals): most lots fill a little over Qn, some fail.

    About 88 % of lots are well filled (mean Qn + 0.2 T … Qn + 0.6 T, s ≈ 0.25 T); about 8 % are
    under-filled (mean Qn − 0.3 T, failing the mean requirement), and about 4 % have a sloppy filler
    (s ≈ 0.7 T: T1 and T2 packages).
    """
    kind = rng.random(lots)
    centre = nominal + t * np.where(kind < 0.08, -0.3, rng.uniform(0.2, 0.6, lots))
    spread = t * np.where(kind > 0.96, 0.7, 0.25)
    scaled = np.empty((lots, n), dtype=np.int64)
    step = 10_000  # build in blocks: a float64 temporary of the full size would double the peak
    for start in range(0, lots, step):
        stop = min(start + step, lots)
        raw = rng.normal(centre[start:stop, None], spread[start:stop, None], (stop - start, n))
        scaled[start:stop] = np.rint(raw * 10**decimals).astype(np.int64)
    return scaled


def plain_float_outcome(row: list[float], nominal: float, t: float, plan: ResolvedPlan) -> int:
    """One lot judged by a plain Python loop in floats: 0 pass, 1 fail (single-stage plans only)."""
    t1 = t2 = 0
    for q in row:
        d = nominal - q
        if d > 2 * t:
            t2 += 1
        elif d > t:
            t1 += 1
    n = len(row)
    mean = sum(row) / n
    s = (sum((q - mean) ** 2 for q in row) / (n - 1)) ** 0.5
    lam = float(plan.row.lam) if plan.row.lam is not None else None
    stage = plan.row.stages[0] if plan.row.stages else None
    ok = t2 <= plan.row.t2_allowed and (stage is None or t1 <= stage.accept)
    ok = ok and (lam is None or mean >= nominal - lam * s)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lots", type=int, default=100_000, help="lots judged vectorised (default 100000)")
    parser.add_argument("--loop-lots", type=int, default=2_000, help="lots judged by the Python loop (default 2000)")
    parser.add_argument("--rule-set", default="jjf1070-2005")
    parser.add_argument("--nominal", default="500", help="Qn (default 500)")
    parser.add_argument("--unit", default="g")
    parser.add_argument("--lot-size", type=int, default=5000, help="N; sets the sample size (default 5000: n = 125)")
    parser.add_argument("--decimals", type=int, default=1, help="decimal places of the recorded values (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="vectorised runs; the median is shown (default 3)")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)

    rules = load_rule_set(args.rule_set)
    nominal = Decimal(args.nominal)
    u = unit(args.unit)
    plan = resolve_plan(rules, args.lot_size)
    t = tne(rules, nominal, u)
    n = plan.n
    loop_lots = min(args.loop_lots, args.lots)

    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    nets = build_lots(rng, args.lots, n, float(nominal), float(t), args.decimals)
    build_s = time.perf_counter() - start
    as_float = nets / 10**args.decimals

    def vectorised_int() -> LotsResult:
        return evaluate_lots(rules, nominal, u, args.lot_size, nets, args.decimals)

    def vectorised_float() -> LotsResult:
        return evaluate_lots(rules, nominal, u, args.lot_size, as_float, args.decimals)

    vec_s, result = median_time(args.repeat, vectorised_int)
    vec_float_s, result_float = median_time(args.repeat, vectorised_float)

    # Peak memory of one vectorised call, beyond its input (numpy reports its buffers to tracemalloc).
    tracemalloc.start()
    vectorised_int()
    _, vec_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # The loop gets its data as the Decimal lists evaluate_lot takes; that conversion is not timed.
    subset = [[Decimal(int(v)).scaleb(-args.decimals) for v in row] for row in nets[:loop_lots]]
    start = time.perf_counter()
    loop_outcomes = [evaluate_lot(rules, nominal, u, args.lot_size, row).outcome for row in subset]
    loop_s = time.perf_counter() - start

    # A second, cheaper baseline: the same rules in plain Python floats (no exact tie handling),
    # so the figure shows what vectorising gains, apart from what exactness costs.
    float_rows = [[float(v) / 10**args.decimals for v in row] for row in nets[:loop_lots]]
    start = time.perf_counter()
    float_outcomes = [plain_float_outcome(row, float(nominal), float(t), plan) for row in float_rows]
    float_loop_s = time.perf_counter() - start
    float_agree = sum(1 for i, o in enumerate(float_outcomes) if o == int(result.outcome[i]))

    agree = sum(1 for i, o in enumerate(loop_outcomes) if OUTCOMES[int(result.outcome[i])] is o)
    same_float = bool(np.array_equal(result.outcome, result_float.outcome))
    vec_rate = args.lots / vec_s
    vec_float_rate = args.lots / vec_float_s
    loop_rate = loop_lots / loop_s
    ratio = vec_rate / loop_rate
    float_loop_rate = loop_lots / float_loop_s
    float_ratio = vec_rate / float_loop_rate
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    counts = result.counts()

    print(
        f"fieldtool vectorised evaluation: {rules.id}, Qn = {nominal} {u.symbol}, T = {t} {u.symbol}, "
        f"N = {args.lot_size}, n = {n}, {args.decimals} decimal place(s), seed {args.seed}"
    )
    print(
        f"data: {args.lots} lots x {n} packages, int64 {nets.nbytes / 2**20:.1f} MiB (built in {build_s:.2f} s); "
        + ", ".join(f"{o}: {c}" for o, c in counts.items())
        + f"; {int(result.decided_exactly.sum())} lot(s) re-decided exactly"
    )
    print()
    rows = [
        ("vectorised, int64 input", args.lots, vec_s, vec_rate, f"median of {args.repeat}"),
        ("vectorised, float64 input", args.lots, vec_float_s, vec_float_rate, f"median of {args.repeat}"),
        (
            "loop over evaluate_lot",
            loop_lots,
            loop_s,
            loop_rate,
            f"timed on {loop_lots} lots; {args.lots} lots would take ~{args.lots / loop_rate:.0f} s (extrapolated)",
        ),
        (
            "loop, plain floats",
            loop_lots,
            float_loop_s,
            float_loop_rate,
            f"same rules in float arithmetic; {float_agree}/{loop_lots} verdicts agree",
        ),
    ]
    print(f"{'method':<28} {'lots':>8} {'seconds':>9} {'lots/s':>12}  note")
    for name, lots, secs, rate, note in rows:
        print(f"{name:<28} {lots:>8} {secs:>9.3f} {rate:>12,.0f}  {note}")
    print()
    verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
    print(f"ratio vectorised (int64) / loop over evaluate_lot: {ratio:,.0f}x ({verdict} the target of >= {TARGET_RATIO:.0f}x)")
    float_verdict = "meets" if float_ratio >= TARGET_RATIO else "BELOW"
    print(f"ratio vectorised (int64) / plain-float loop: {float_ratio:,.0f}x ({float_verdict} the target)")
    print(
        f"peak memory: vectorised call {vec_peak / 2**20:.1f} MiB beyond its {nets.nbytes / 2**20:.1f} MiB input "
        f"(tracemalloc); process max RSS {rss_kib / 1024:.0f} MiB"
    )
    print(
        f"agreement with evaluate_lot on the {loop_lots} looped lots: {agree}/{loop_lots}; "
        f"float64 input gives the same verdicts: {'yes' if same_float else 'NO'}"
    )
    return 0 if agree == loop_lots and same_float else 1


if __name__ == "__main__":
    sys.exit(main())
