"""Run in a subprocess of its own: the 360Giving JSON export of every published award,
written as `flask export 360giving` writes it; prints its time and memory as JSON.

    python -m bench.export_probe DATABASE_URL
"""

from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(url: str, traced: bool) -> dict:
    from bench.inproc import make_app
    from grants.reporting import opendata

    app = make_app(url)
    with app.app_context():
        opendata.count()  # connect and import everything before measuring
        before = _rss_mb()
        if traced:
            tracemalloc.start()
        started, size, grants = time.perf_counter(), 0, 0
        for chunk in opendata.package_chunks(opendata.grants()):
            size += len(chunk.encode())
            grants += chunk.startswith(",") or chunk.startswith("\n{")
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 2), "grants": grants, "bytes": size,
            "rss_before_mb": round(before, 1), "peak_rss_mb": round(maxrss, 1),
            "rss_growth_mb": round(maxrss - before, 1),
            "tracemalloc_peak_mb": round(peak, 1) if peak is not None else None}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], "--traced" in sys.argv)))
