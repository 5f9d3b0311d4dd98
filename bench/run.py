"""`make bench`: the storefront home page against a bare Flask view, in one gunicorn setup, warm
(one host) and cold (a random host of 10,000 per request), then domain search under load.

Seeds SQLite databases with 10 and 10,000 partners and serves each run from a fresh gunicorn with
the same settings (bench/serve.py), loaded by wrk from this machine:

- bare Flask view; storefront home on one host with 10 and with 10,000 partners (warmed up first);
- storefront home where every request names a random host p1..p10000.localhost (bench/cold.py,
  bench/random_hosts.lua), with empty caches, on SQLite and then on a throwaway PostgreSQL
  cluster (tests/pg_cluster.py); the workers' resident memory is read after it;
- fifty concurrent checkouts paid online, each followed by its webhook, on PostgreSQL
  (bench/checkout.py: timings printed; an error or a broken invariant fails the exit status);
- domain search (bench/search.py);
- printing a 5-line VAT invoice as a PDF (bench/pdf.py: its p99 target is printed, not in the
  exit status);
- `flask renewals` over 100,000 services on PostgreSQL (bench/renewals.py: time, services/s and
  peak memory, printed, not in the exit status; skipped with BENCH_POSTGRES=0).

Prints requests/s, p50 and p99 for each run with its ratio to bare Flask, and the targets met or
failed; the same goes to bench/results/latest.md for the README. Every response must be 2xx.

Exit status: 1 when a SQLite target fails (random host ≥ 0.30 × bare Flask and p99 < 100 ms,
resident memory < 200 MB per worker, one host with 10,000 partners ≥ 0.60 × bare Flask, 10,000
partners / 10 partners ≥ 0.90, the search targets), when any run (PostgreSQL too) answered a
request with anything but 2xx, or when the PostgreSQL run could not run. PostgreSQL's own
throughput, latency and memory targets are printed but do not change the exit status: on a small
shared machine the database server competes with gunicorn and wrk for the same cores.
BENCH_SECONDS (10) and BENCH_CONNECTIONS (16) change the load; BENCH_POSTGRES=0 skips PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import checkout, cold, pdf, renewals, search, serve  # noqa: E402  (needs ROOT on the path)
from bench.seed import seed  # noqa: E402

RANDOM_RATIO, RANDOM_P99_MS, RSS_MB, ONE_HOST_RATIO, SCALE_RATIO = 0.30, 100.0, 200.0, 0.60, 0.90


def main() -> int:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    load_before = serve.load_average()
    work = Path(tempfile.mkdtemp(prefix="storefront-bench-"))
    env = {**os.environ, "PLATFORM_DOMAIN": "localhost", "SECRET_KEY": "bench"}
    env.pop("DATABASE_URL", None)
    try:
        runs = [serve.measure("bare Flask view", "bench.bare:app", env, host="localhost")]
        for count in (10, cold.PARTNERS):
            url = f"sqlite:///{work / f'bench{count}.sqlite'}"
            started = time.monotonic()
            seed(url, count)
            print(f"seeded {count} partners in {time.monotonic() - started:.1f} s", flush=True)
            runs.append(serve.measure(f"storefront home, {count:,} partners, one host",
                                      "wsgi:app", {**env, "DATABASE_URL": url},
                                      host="p7.localhost"))
        runs.append(cold.random_host(url, env, "SQLite"))
        pg = cold.postgres(work, env) if os.environ.get("BENCH_POSTGRES") != "0" else None
        if pg:
            runs.append(pg)
        checkout_lines = checkout.run(env) if os.environ.get("BENCH_POSTGRES") != "0" else []
        print("\n".join(checkout_lines), flush=True)
        search_lines = search.run(work, lambda extra: serve.serve("wsgi:app", {**env, **extra}),
                                  float(serve.DURATION))
        print("\n".join(search_lines), flush=True)
        pdf_lines = pdf.run()
        print("\n".join(pdf_lines), flush=True)
        renewal_lines = (renewals.run() if os.environ.get("BENCH_POSTGRES") != "0"
                         else ["Renewals: skipped (BENCH_POSTGRES=0)"])
        print("\n".join(renewal_lines), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines, failed = report(runs, pg, search_lines, load_before)
    if checkout_lines and checkout_lines[-1] != checkout.CHECKOUT_MET:
        failed.append("checkout invariants")
        lines.append("Targets failed: checkout invariants (below)")
    lines += ["", *checkout_lines, "", *pdf_lines, "", *renewal_lines]
    print("\n".join(lines))
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "latest.md").write_text("\n".join(lines) + "\n")
    return 1 if failed else 0


def report(runs: list[dict], pg: dict | None, search_lines: list[str],
           load_before: str) -> tuple[list[str], list[str]]:
    """The results as markdown, and the names of the targets that count and failed."""
    bare, small, large, random = runs[:4]
    targets: list[tuple[str, bool, bool]] = []  # (line, met, counts for the exit status)

    def target(line: str, met: bool, counts: bool = True) -> None:
        targets.append((line, met, counts))

    at = "" if serve.CONNECTIONS == "16" else f"; measured at {serve.CONNECTIONS}"
    for run, counts in ((random, True), *(((pg, False),) if pg else ())):
        db = run["database"]
        ratio = run["rps"] / bare["rps"]
        target(f"random host / bare Flask ({db}): **{ratio:.2f}** (target ≥ {RANDOM_RATIO:.2f})",
               ratio >= RANDOM_RATIO, counts)
        target(f"random host p99 ({db}): **{run['p99']:.1f} ms** (target < {RANDOM_P99_MS:.0f} ms "
               f"at 16 connections{at})",
               run["p99"] < RANDOM_P99_MS, counts)
        target(f"RSS per worker after the random-host run ({db}): **"
               + ", ".join(f"{mb:.0f}" for mb in run["rss"]) + f" MB** (target < {RSS_MB:.0f} MB)",
               bool(run["rss"]) and max(run["rss"]) < RSS_MB, counts)
    if os.environ.get("BENCH_POSTGRES") != "0":
        target("PostgreSQL run " + ("done" if pg else "**could not run**"), pg is not None)
    target(f"one host / bare Flask (10,000 partners): **{large['rps'] / bare['rps']:.2f}** "
           f"(target ≥ {ONE_HOST_RATIO:.2f})", large["rps"] / bare["rps"] >= ONE_HOST_RATIO)
    target(f"one host, 10,000 partners / 10 partners: **{large['rps'] / small['rps']:.2f}** "
           f"(target ≥ {SCALE_RATIO:.2f})", large["rps"] / small["rps"] >= SCALE_RATIO)
    not_2xx = sum(run["errors"] for run in runs)
    target(f"responses other than 2xx (every run, PostgreSQL too): **{not_2xx}** (target 0)",
           not_2xx == 0)
    target("search targets (below)", search_lines[-1] == "- search targets met")
    failed = [line for line, met, counts in targets if counts and not met]
    pg_failed = [line for line, met, counts in targets if not counts and not met]
    lines = [
        serve.machine(),
        f"Load average (1, 5, 15 min) before: {load_before}; after: {serve.load_average()}",
        serve.SETTINGS,
        "",
        "| what | req/s | × bare | p50 ms | p99 ms | not 2xx | RSS per worker MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {r['label']} | {r['rps']:.0f} | {r['rps'] / bare['rps']:.2f} | {r['p50']:.2f} | "
          f"{r['p99']:.2f} | {r['errors']} | {', '.join(f'{mb:.0f}' for mb in r['rss'])} |"
          for r in runs],
        "",
        *[f"- {'met' if met else '**FAILED**'}: {line}"
          + ("" if counts else " (PostgreSQL: not in the exit status)")
          for line, met, counts in targets],
        f"- home page size: {large['bytes']:,} bytes",
        "",
        ("Targets failed: " + "; ".join(_plain(line) for line in failed)) if failed
        else "All targets in the exit status met.",
    ]
    if pg_failed:
        lines.append("PostgreSQL on this machine does not meet: "
                     + "; ".join(_plain(line) for line in pg_failed))
    return [*lines, "", *search_lines], failed


def _plain(line: str) -> str:
    return line.replace("**", "")


if __name__ == "__main__":
    sys.exit(main())
