#!/usr/bin/env python3
"""The reference side of the bootstrap benchmark: scipy.stats.bootstrap,
2000 paired resamples of F1 and MCC on the same rows `bench-stats bootstrap`
generates (same generator, re-implemented here), percentile intervals.

    python bench/scipy_bootstrap.py ROWS
"""

import sys
import time

import numpy as np
import scipy.stats


def data(rows):
    # SplitMix64 and Box-Muller exactly as bench/src/stats.rs.
    mask = (1 << 64) - 1
    state = 4213
    def next_u64():
        nonlocal state
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)
    def uniform():
        return (next_u64() >> 11) / float(1 << 53)
    y = np.empty(rows, dtype=np.int8)
    s = np.empty(rows)
    for i in range(rows):
        yi = uniform() < 0.3
        u1 = max(uniform(), 1e-300)
        n = np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * uniform())
        logit = 2 * (int(yi) - 0.5) * 1.5 + n
        y[i] = yi
        s[i] = 1 / (1 + np.exp(-logit))
    return y, (s >= 0.5).astype(np.int8)


def f1(y, p, axis=-1):
    tp = np.sum((y == 1) & (p == 1), axis=axis)
    fp = np.sum((y == 0) & (p == 1), axis=axis)
    fn = np.sum((y == 1) & (p == 0), axis=axis)
    return 2 * tp / (2 * tp + fp + fn)


def mcc(y, p, axis=-1):
    tp = np.sum((y == 1) & (p == 1), axis=axis).astype(float)
    tn = np.sum((y == 0) & (p == 0), axis=axis).astype(float)
    fp = np.sum((y == 0) & (p == 1), axis=axis).astype(float)
    fn = np.sum((y == 1) & (p == 0), axis=axis).astype(float)
    return (tp * tn - fp * fn) / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))


if __name__ == "__main__":
    rows = int(sys.argv[1])
    y, p = data(rows)
    start = time.perf_counter()
    for stat in (f1, mcc):
        r = scipy.stats.bootstrap((y, p), stat, paired=True, vectorized=True, n_resamples=2000,
                                  batch=20, method="percentile", rng=np.random.default_rng(0))
        print(stat.__name__, r.confidence_interval, file=sys.stderr)
    print(f"scipy.stats.bootstrap {rows} rows, 2000 replicates of F1 and MCC: {time.perf_counter() - start:.2f}s")
