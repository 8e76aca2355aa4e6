"""`make bench`: the portal under load on SQLite and (when it answers) PostgreSQL.

For each database: generate the bench portfolio once per scale (reused while the scale
matches), serve it with gunicorn (4 workers, production settings), log in for real, load
each page with wrk from a second process, and count each page's SQL statements in-process.
Then the 360Giving export's time and memory at N=0.1 and N=scale, and the apply form's
size over the wire. Then the outbox (bench/jobs.py): an officer's message post with the mail
relay down, slow and up, and notices delivered per second by one job worker. Writes
bench/results.json and prints a table.

    .venv/bin/python -m bench.run [--scale 1] [--seconds 10] [--connections 8] [--only jobs]

`--only jobs` measures the outbox alone and puts its figures into the results.json there is.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bench import config, jobs, report
from bench.client import Client
from bench.inproc import dashboard_vs_aggregates, make_app, query_counts
from bench.load import wrk
from bench.pages import Page, find_pages
from bench.server import gunicorn


def flask(url: str, *args: str) -> str:
    cmd = [str(config.VENV_BIN / "flask"), "--app", "grants", *args]
    proc = subprocess.run(cmd, cwd=config.ROOT, env=config.env_for(url), text=True,  # noqa: S603
                          capture_output=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def prepare(url: str, scale: float) -> dict:
    """Migrate, then generate at `scale` unless that is already there."""
    config.DATA.mkdir(parents=True, exist_ok=True)
    if url.startswith("postgresql"):
        config.ensure_postgres_database(url)
    flask(url, "db", "upgrade")
    started = time.perf_counter()
    out = flask(url, "bench-data", "--scale", f"{scale:g}", "--reuse", "--reset")
    print(f"-- {report.safe_url(url)}\n{out}", end="", flush=True)
    done = re.search(r"Done: ([\d,]+) rows in ([\d.]+) s", out)
    if not done:
        return {"generated": False, "note": "reused data generated earlier at this scale"}
    return {"generated": True, "rows": int(done.group(1).replace(",", "")),
            "seconds": float(done.group(2)),
            "wall_seconds": round(time.perf_counter() - started, 1)}


def _current(url: str, scale: float) -> bool:
    """The database is migrated and holds bench data at `scale` (checked in-process:
    two `flask` processes a database cost more than this check)."""
    import flask_migrate

    from bench.app.commands import bench_state, is_current

    if url.startswith("sqlite") and not (config.DATA / url.rsplit("/", 1)[1]).exists():
        return False
    if url.startswith("postgresql"):
        config.ensure_postgres_database(url)
    from grants.extensions import db

    app = make_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        state = bench_state()
        db.session.remove()
        db.engine.dispose()  # nobody left connected: bench/jobs.py copies the database
    return is_current(state, scale)


def prepare_all(jobs: list[tuple[str, float]]) -> dict[str, dict]:
    """Generate the databases two at a time (a process each: the machine has 2 cores)."""
    config.DATA.mkdir(parents=True, exist_ok=True)
    done = {url: {"generated": False, "note": "reused data generated earlier at this scale"}
            for url, scale in jobs if _current(url, scale)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {url: pool.submit(prepare, url, scale) for url, scale in jobs
                   if url not in done}
        done.update({url: future.result() for url, future in futures.items()})
    return done


def _logins(port: int) -> dict[str, Client]:
    from bench.app.commands import BENCH_PASSWORD, bench_totp_secret
    from bench.pages import APPLICANT, OFFICER

    clients = {None: Client(port)}
    for user in (APPLICANT, OFFICER):
        client = Client(port)
        client.login(user, BENCH_PASSWORD, bench_totp_secret(user))
        clients[user] = client
    return clients


def _request_for(client: Client, page: Page) -> tuple[str, str]:
    """The cookie and body wrk sends; a POST's CSRF token belongs to that session."""
    body = ""
    if page.method == "POST":
        token = client.csrf(page.csrf_from)
        body = urllib.parse.urlencode([*page.form, ("csrf_token", token)])
        status, _h, _b = client.request("POST", page.path, dict(urllib.parse.parse_qsl(body)))
        if status >= 400:
            raise RuntimeError(f"{page.name}: HTTP {status}")
    else:
        status, _h, _b = client.request("GET", page.path)
        if status != 200:
            raise RuntimeError(f"{page.name}: HTTP {status}")
    return client.cookie_header(), body


def warm_up(client: Client, page: Page, body: str, connections: int) -> None:
    """As many requests at once as wrk will make, each to its end (not measured): every
    worker has compiled its templates and opened its connection before the measure."""
    form = dict(urllib.parse.parse_qsl(body)) if page.method == "POST" else None
    with ThreadPoolExecutor(max_workers=connections) as pool:
        for _ in pool.map(lambda _i: client.request(page.method, page.path, form),
                          range(connections)):
            pass


def wire_bytes(client: Client, path: str) -> dict:
    status, headers, body = client.request("GET", path, headers={"Accept-Encoding": "gzip"})
    served = headers.get("Content-Encoding") or "identity"
    raw = gzip.decompress(body) if served == "gzip" else body
    return {"status": status, "served_encoding": served, "served_bytes": len(body),
            "raw_bytes": len(raw), "gzip_bytes": len(gzip.compress(raw, 6))}


def load(url: str, pages: list[Page], args) -> dict:
    out = {}
    with gunicorn(url, args.workers) as port:
        clients = _logins(port)
        apply_form = next(p for p in pages if p.name == "apply form (GET)")
        out["_wire"] = wire_bytes(clients[apply_form.user], apply_form.path)
        for page in pages:
            client = clients[page.user]
            started = time.perf_counter()
            cookie, body = _request_for(client, page)
            single_ms = round((time.perf_counter() - started) * 1000, 1)
            # A page that takes over a second alone gets one connection a worker and long
            # enough for a few rounds, or wrk would see none of its requests finish.
            slow = single_ms > 1000
            connections = args.workers if slow else args.connections
            seconds = min(30, max(args.seconds, round(4 * single_ms / 1000))) if slow \
                else args.seconds
            warm_up(client, page, body, connections)
            result = wrk(port, page.path, cookie=cookie, method=page.method, body=body,
                         seconds=seconds, connections=connections)
            result.update(connections=connections, seconds=seconds)
            # wrk leaves requests in flight that the workers still finish: let them, so
            # they do not weigh on the next page.
            time.sleep(min(30, (result["max_ms"] or 2 * single_ms) / 1000))
            result["single_request_ms"] = single_ms  # alone, before the load
            out[page.name] = result
            print(f"  {page.name:<26} {result['rps']:>8.1f} req/s  p50 "
                  f"{report.fmt(result['p50_ms'], '7.1f')} ms  p95 "
                  f"{report.fmt(result['p95_ms'], '7.1f')} ms  alone {single_ms:7.1f} ms  "
                  f"errors {result['errors']}", flush=True)
    bare = out["bare route"]["rps"]
    for name, result in out.items():
        if not name.startswith("_"):
            result["ratio_to_bare"] = round(result["rps"] / bare, 3) if bare else None
    return out


def export_probe(url: str) -> dict:
    cmd = [str(config.VENV_BIN / "python"), "-m", "bench.export_probe", url]
    proc = subprocess.run(cmd, cwd=config.ROOT, env=config.env_for(url), text=True,  # noqa: S603
                          capture_output=True, check=False)
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_database(name: str, url: str, args, results: dict) -> None:
    print(f"\n== {name}: {report.safe_url(url)}", flush=True)
    entry = results["databases"].setdefault(name, {})
    app = make_app(url)
    pages, notes = find_pages(app)
    entry["notes"] = notes
    entry["load"] = load(url, pages, args)
    entry["queries"] = {f"N={args.scale:g}": query_counts(app, pages)}
    if name == "postgresql":  # the target is PostgreSQL's; SQLite has its wrk figures
        entry["dashboard"] = dashboard_vs_aggregates(app)
    from grants.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # nobody left connected: bench/jobs.py copies the database


def run_small(args, results: dict) -> None:
    """Queries per page at N=0.01; the export at N=0.1 and at the full scale (SQLite)."""
    print("\n== queries per page at N=0.01 (SQLite)", flush=True)
    app = make_app(config.sqlite_url("bench-0.01"))
    pages, _notes = find_pages(app)
    results["databases"]["sqlite"]["queries"]["N=0.01"] = query_counts(app, pages)
    if not _has_export():
        results["export"] = {"note": "grants/reporting/opendata.py not there yet; skipped"}
        return
    print("== 360Giving export (SQLite)", flush=True)
    results["export"] = {"N=0.1": export_probe(config.sqlite_url("bench-0.1")),
                         f"N={args.scale:g}": export_probe(config.sqlite_url("bench"))}


def _has_export() -> bool:
    import importlib.util

    return importlib.util.find_spec("grants.reporting.opendata") is not None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float,
                        default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--only", choices=["jobs"],
                        help="measure only the outbox (bench/jobs.py)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
               "scale": args.scale, "seconds_per_page": args.seconds,
               "connections": args.connections, "workers": args.workers,
               "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg(),
                           "python": platform.python_version()},
               "targets": config.TARGETS, "databases": {}}
    databases = {"sqlite": config.sqlite_url("bench")}
    if config.postgres_available():
        databases["postgresql"] = config.POSTGRES_URL
    else:
        results["databases"]["postgresql"] = {"notes": ["pg_isready: not available; skipped"]}
    print("== data: generated once per scale, reused while it matches", flush=True)
    if args.only == "jobs":
        return only_jobs(databases, args, started)
    data = prepare_all([(url, args.scale) for url in databases.values()]
                       + [(config.sqlite_url("bench-0.01"), 0.01)]
                       + ([(config.sqlite_url("bench-0.1"), 0.1)] if _has_export() else []))
    results["data_seconds"] = round(time.perf_counter() - started, 1)
    for name, url in databases.items():
        results["databases"].setdefault(name, {})["data"] = data[url]
        run_database(name, url, args, results)
    run_small(args, results)
    results["jobs"] = jobs.run(databases, args.workers)
    results["machine"]["load_average_end"] = os.getloadavg()
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    results["verdicts"] = report.verdicts(results)
    config.RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(report.table(results))
    print(jobs.table(results["jobs"]))
    print(f"\nWritten: {config.RESULTS.relative_to(config.ROOT)}"
          f" ({results['total_seconds']:.0f} s in all)")
    return 0


def only_jobs(databases: dict[str, str], args, started: float) -> int:
    """The outbox's figures alone, put into the results.json there is (or a new one)."""
    prepare_all([(url, args.scale) for url in databases.values()])
    figures = jobs.run(databases, args.workers)
    figures.update(scale=args.scale, measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
                   load_average=os.getloadavg(),
                   seconds=round(time.perf_counter() - started, 1))
    results = json.loads(config.RESULTS.read_text()) if config.RESULTS.exists() else {}
    results["jobs"] = figures
    config.RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(jobs.table(figures))
    print(f"\nWritten: {config.RESULTS.relative_to(config.ROOT)} (jobs; "
          f"{figures['seconds']:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
