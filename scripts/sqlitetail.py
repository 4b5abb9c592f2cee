#!/usr/bin/env python3
"""Where the SQLite intake's slow applications come from (docs/PERFORMANCE.md, "Issue 18,
fourth and fifth sessions"). Loopback only; reads files, starts nothing.

  scripts/sqlitetail.py hist SERVER_LOG [ROUTE]
      the durations of POST ROUTE (default /api/v1/cases) in serve's request log, in 1 ms
      bins, with p50/p90/p99, and the slow ones (over 10 ms) by time: a hump of equal
      delays, or slow requests in bursts at a period, names its cause
  scripts/sqlitetail.py wal DATABASE [SECONDS]
      the WAL index of a running server's database (DATABASE-shm) every 0.5 s: mxFrame, the
      pages in the WAL, and nBackfill, those already copied into the file; a drop of mxFrame
      is the WAL starting over

The log comes from serve's standard error (level INFO, one line per request, duration=);
the WAL index header is SQLite's (https://www.sqlite.org/walformat.html): mxFrame at byte
16, nBackfill at byte 96, in the machine's byte order (little-endian here).
"""
import collections
import re
import struct
import sys
import time


def duration_ms(text):
    for unit, scale in (("ms", 1.0), ("µs", 0.001), ("ns", 1e-6), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    raise ValueError(text)


def hist(log, route="/api/v1/cases"):
    rows = []
    with open(log, encoding="utf-8") as f:
        for line in f:
            if f"route={route} " not in line or "method=POST" not in line:
                continue
            at = re.search(r"time=(\S+)", line).group(1)
            rows.append((at, duration_ms(re.search(r"duration=(\S+)", line).group(1))))
    if not rows:
        sys.exit(f"no POST {route} in {log}")
    ms = sorted(v for _, v in rows)
    n = len(ms)
    print(f"{n} requests: p50 {ms[n // 2]:.1f} ms, p90 {ms[int(n * 0.9)]:.1f}, p99 {ms[int(n * 0.99)]:.1f}, max {ms[-1]:.1f}")
    bins = collections.Counter(int(v) for v in ms)
    print("ms  requests")
    for k in sorted(bins):
        print(f"{k:>3} {bins[k]:>6} {'#' * max(1, bins[k] * 60 // n) if bins[k] else ''}")
    print("over 10 ms, by time:")
    print(" | ".join(f"{at[11:23]} {v:.1f}" for at, v in rows if v > 10))


def wal(database, seconds=30):
    samples = []
    for _ in range(int(float(seconds) * 2)):
        time.sleep(0.5)
        try:
            with open(database + "-shm", "rb") as f:
                head = f.read(100)
            mx, backfill = struct.unpack_from("<I", head, 16)[0], struct.unpack_from("<I", head, 96)[0]
            samples.append(f"{mx}/{backfill}")
        except (OSError, struct.error):
            samples.append("-")
    print("mxFrame/nBackfill every 0.5 s:", " ".join(samples))


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("hist", "wal"):
        sys.exit(__doc__)
    {"hist": hist, "wal": wal}[sys.argv[1]](*sys.argv[2:])
