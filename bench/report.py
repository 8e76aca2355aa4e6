"""The readable table and the verdict on each target, from the results dict."""

from __future__ import annotations

import re


def safe_url(url: str) -> str:
    return re.sub(r"://([^:@/]+):[^@/]+@", r"://\1:***@", url)


def _load(results: dict, db: str) -> dict:
    return results["databases"].get(db, {}).get("load") or {}


def verdicts(results: dict) -> dict:
    out = {}
    for db in ("sqlite", "postgresql"):
        page = _load(results, db).get("apply form (GET)")
        if page:
            out[f"apply_form_ratio_{db}"] = {"value": page["ratio_to_bare"],
                                             "met": page["ratio_to_bare"] >= 0.5}
    dash = results["databases"].get("postgresql", {}).get("dashboard")
    if dash and not dash.get("error"):
        out["dashboard_ratio_postgresql"] = {"value": dash["ratio"], "met": dash["ratio"] <= 3}
    else:
        out["dashboard_ratio_postgresql"] = {"value": None, "met": None,
                                             "note": "no dashboard page, or no PostgreSQL"}
    queries = results["databases"].get("sqlite", {}).get("queries", {})
    if len(queries) == 2:
        small, big = queries.get("N=0.01", {}), next(v for k, v in queries.items()
                                                      if k != "N=0.01")
        differ = {name: [small.get(name), big.get(name)] for name in big
                  if small.get(name) != big.get(name)}
        out["queries_constant"] = {"met": not differ, "differ": differ}
    export = results.get("export", {})
    runs = [v for k, v in export.items() if k.startswith("N=") and "peak_rss_mb" in v]
    if len(runs) == 2:
        growth = [r["rss_growth_mb"] for r in runs]
        out["export_memory_flat"] = {
            "value_mb": growth,
            "met": growth[1] <= max(growth[0] * 1.2, growth[0] + 10)}
    return out


def fmt(value, spec: str = "") -> str:
    if value is None:
        return "-"
    return format(value, spec) if spec and not isinstance(value, str) else str(value)


def table(results: dict) -> str:
    dbs = [db for db in ("sqlite", "postgresql") if _load(results, db)]
    lines = ["", f"Bench at N={results['scale']:g}: {results['seconds_per_page']} s a page, "
             f"{results['connections']} connections, {results['workers']} gunicorn workers"]
    head = f"{'page':<26}" + "".join(
        f" | {db[:6]:>6} req/s  p50 ms  p95 ms  x bare" for db in dbs) + " | queries"
    lines += [head, "-" * len(head)]
    queries = results["databases"].get("sqlite", {}).get("queries", {})
    names = list(_load(results, dbs[0])) if dbs else []
    for name in (n for n in names if not n.startswith("_")):
        row = f"{name:<26}"
        for db in dbs:
            r = _load(results, db).get(name, {})
            row += (f" | {fmt(r.get('rps'), '12.1f')} {fmt(r.get('p50_ms'), '7.1f')}"
                    f" {fmt(r.get('p95_ms'), '7.1f')} {fmt(r.get('ratio_to_bare'), '7.2f')}")
        row += " | " + " / ".join(f"{fmt(q.get(name))}" for q in queries.values())
        lines.append(row)
    lines.append("queries: " + " / ".join(queries) + " (SQLite)")
    for db in dbs:
        for name, r in _load(results, db).items():
            if not name.startswith("_") and r.get("connections", results["connections"]) \
                    != results["connections"]:
                lines.append(f"{name} ({db}): {r['single_request_ms']:.0f} ms alone, so loaded "
                             f"with {r['connections']} connections for {r['seconds']} s")
    for db in dbs:
        wire = _load(results, db).get("_wire")
        if wire:
            lines.append(f"apply form over the wire ({db}, HTTP {wire['status']}): served "
                         f"{wire['served_bytes']:,} B "
                         f"({wire['served_encoding']}); raw {wire['raw_bytes']:,} B, gzip "
                         f"{wire['gzip_bytes']:,} B")
        dash = results["databases"][db].get("dashboard")
        if dash and dash.get("error"):
            lines.append(f"dashboard ({db}): {dash['error']}")
        elif dash:
            lines.append(f"dashboard ({db}): page {dash['page_ms']} ms, its aggregates "
                         f"{dash['aggregates_ms']} ms: x{dash['ratio']}")
        data = results["databases"][db].get("data", {})
        if data.get("generated"):
            lines.append(f"data ({db}): {data['rows']:,} rows generated in {data['seconds']} s")
    for key, run in results.get("export", {}).items():
        if isinstance(run, dict) and "seconds" in run:
            lines.append(f"360Giving export {key}: {run['grants']:,} grants, {run['seconds']} s, "
                         f"{run['bytes'] / 2**20:.1f} MiB; peak RSS {run['peak_rss_mb']} MiB "
                         f"(+{run['rss_growth_mb']} MiB during the export)")
        elif key == "note" or isinstance(run, dict):
            lines.append(f"360Giving export {key}: {run}")
    for db in ("sqlite", "postgresql"):
        for note in results["databases"].get(db, {}).get("notes", []):
            lines.append(f"note ({db}): {note}")
    lines.append("targets: " + ", ".join(
        f"{k} {'met' if v.get('met') else 'NOT met' if v.get('met') is False else 'n/a'}"
        for k, v in results.get("verdicts", {}).items()))
    return "\n".join(lines)
