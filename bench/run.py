"""`make bench`: the storefront home page by Host against a bare Flask view, in one gunicorn setup,
then domain search under load (bench/search.py).

Seeds SQLite databases with 10 and 10,000 partners, serves each app with the same gunicorn settings,
loads it with wrk from this machine, and prints requests/s, p50 and p99 for each and their ratios.
Results also go to bench/results/latest.md for the README.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import search  # noqa: E402  (needs ROOT on the path)

GUNICORN = [str(Path(sys.executable).parent / "gunicorn"), "--worker-class", "gthread",
            "--workers", "2", "--threads", "4", "--log-level", "warning"]
DURATION = os.environ.get("BENCH_SECONDS", "10")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(database_url: str, count: int) -> None:
    """Partners with their default pages, inserted in bulk (as the services do per partner)."""
    from sqlalchemy import create_engine, insert

    from cms_pages.defaults import default_pages
    from storefront.db import db
    from storefront.models import Page, Partner

    engine = create_engine(database_url)
    db.metadata.create_all(engine)
    pages = default_pages()
    with engine.begin() as conn:
        for start in range(0, count, 1000):
            ids = range(start + 1, min(start + 1000, count) + 1)
            conn.execute(insert(Partner), [
                {"id": i, "slug": f"p{i}", "name": f"Partner {i}", "status": "active",
                 "theme": "classic" if i % 2 else "minimal", "palette": {}, "frame_origins": [],
                 "contact_email": f"hello@p{i}.example.com", "contact_phone": "",
                 "contact_address": ""} for i in ids])
            conn.execute(insert(Page), [
                {"partner_id": i, "slug": p.get("slug", ""),
                 "title": p["title"].replace("{partner}", f"Partner {i}"),
                 "menu_title": p.get("menu_title", ""),
                 "menu_position": int(p.get("menu_position", 0)),
                 "show_in_menu": True, "seo_title": "",
                 "seo_description": p.get("seo_description", ""),
                 "body": p["body"].replace("{partner}", f"Partner {i}"), "published": True}
                for i in ids for p in pages])
    engine.dispose()


def serve(app_spec: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([*GUNICORN, "--bind", f"127.0.0.1:{port}", app_spec],
                            cwd=ROOT, env=env)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{app_spec} did not start")


def load(port: int, host: str) -> dict:
    url = f"http://127.0.0.1:{port}/"
    request = urllib.request.Request(url, headers={"Host": host})
    with urllib.request.urlopen(request) as response:  # warm up, and check it serves
        assert response.status == 200, response.status
        size = len(response.read())
    for _ in range(200):
        urllib.request.urlopen(urllib.request.Request(url, headers={"Host": host})).read()
    out = subprocess.run(["wrk", "-t", "1", "-c", CONNECTIONS, "-d", f"{DURATION}s", "--latency",
                          "-H", f"Host: {host}", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": _ms(out, "50%"), "p99": _ms(out, "99%"), "bytes": size,
            "errors": int(errors.group(1)) if errors else 0}


def _ms(out: str, pct: str) -> float:
    value, unit = re.search(rf"{pct}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(label: str, app_spec: str, host: str, env: dict) -> dict:
    proc, port = serve(app_spec, env)
    try:
        result = load(port, host)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    result["label"] = label
    print(f"{label:<40} {result['rps']:>9.0f} req/s  p50 {result['p50']:>6.2f} ms  "
          f"p99 {result['p99']:>6.2f} ms", flush=True)
    return result


def main() -> int:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="storefront-bench-"))
    base_env = {**os.environ, "PLATFORM_DOMAIN": "localhost", "SECRET_KEY": "bench"}
    results = [measure("bare Flask view", "bench.bare:app", "localhost", base_env)]
    for count in (10, 10_000):
        url = f"sqlite:///{work / f'bench{count}.sqlite'}"
        started = time.monotonic()
        seed(url, count)
        print(f"seeded {count} partners in {time.monotonic() - started:.1f} s", flush=True)
        env = {**base_env, "DATABASE_URL": url}
        results.append(
            measure(f"storefront home, {count} partners", "wsgi:app", "p7.localhost", env))
    search_lines = search.run(work, lambda extra: serve("wsgi:app", {**base_env, **extra}),
                              float(DURATION))
    print("\n".join(search_lines), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    bare, small, large = results
    lines = [
        f"Machine: {platform.node()} · {os.cpu_count()} cores · "
        f"{platform.processor() or platform.machine()}"
        f" · Python {platform.python_version()} · {time.strftime('%Y-%m-%d')}",
        f"gunicorn gthread, 2 workers × 4 threads; wrk 1 thread, {CONNECTIONS} connections, "
        f"{DURATION} s each",
        "",
        "| what | req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
        *[f"| {r['label']} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} |" for r in results],
        "",
        f"- storefront home / bare Flask (10,000 partners): "
        f"**{large['rps'] / bare['rps']:.2f}** (target ≥ 0.60)",
        f"- 10,000 partners / 10 partners: **{large['rps'] / small['rps']:.2f}** (target ≥ 0.90)",
        f"- home page size: {large['bytes']} bytes; "
        f"non-2xx responses: {small['errors'] + large['errors']}",
        "",
        *search_lines,
    ]
    print("\n".join(lines))
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "latest.md").write_text("\n".join(lines) + "\n")
    ok = (large["rps"] / bare["rps"] >= 0.6 and large["rps"] / small["rps"] >= 0.9
          and search_lines[-1].endswith(" met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
