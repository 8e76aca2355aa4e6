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


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> bool:
    """Start the peak resident size (VmHWM) afresh, so that it measures the export alone
    and not the start-up before it (Linux >= 4.0: clear_refs "5")."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def main(url: str, traced: bool) -> dict:
    from bench.inproc import make_app
    from grants.reporting import opendata

    app = make_app(url)
    with app.app_context():
        opendata.count()  # connect and import everything before measuring
        before = _status_mb("VmRSS")
        reset = _reset_peak()
        if traced:
            tracemalloc.start()
        started, size, grants = time.perf_counter(), 0, 0
        for chunk in opendata.package_chunks(opendata.grants()):
            size += len(chunk.encode())
            grants += chunk.startswith(",") or chunk.startswith("\n{")
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
        # The peak since the reset (the export's own); without the reset, the process's
        # whole life, start-up included, which can hide the export entirely.
        peak_rss = _status_mb("VmHWM") if reset else \
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 2), "grants": grants, "bytes": size,
            "rss_before_mb": round(before, 1), "peak_rss_mb": round(peak_rss, 1),
            "rss_growth_mb": round(peak_rss - before, 1), "peak_of": "export" if reset
            else "process (start-up included)",
            "tracemalloc_peak_mb": round(peak, 1) if peak is not None else None}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], "--traced" in sys.argv)))
