"""Domain search under load: a 20-TLD group, the sandbox backend at 150 ms per round trip, 8
concurrent searchers each asking for new names (so no cached answer helps), through gunicorn.
Also the domain-search frame's transfer size (HTML, CSS and JS). Called by bench/run.py."""

from __future__ import annotations

import json
import re
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LATENCY_MS = 150
SEARCHERS = 8
HOST = "searchbench.localhost"
BACKENDS = {"sandbox": {"kind": "sandbox", "latency_ms": LATENCY_MS},
            "epp": {"kind": "sandbox", "latency_ms": LATENCY_MS}}


def seed(database_url: str) -> int:
    """One partner selling 20 sandbox TLDs in one group; returns how many TLDs the group has."""
    from sqlalchemy import select

    from storefront import create_app
    from storefront.db import db
    from storefront.models import Tld
    from storefront.services import catalog, partners

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        catalog.import_demo_catalogue()
        partner = partners.create_partner("searchbench", "Search Bench")
        tlds = db.session.scalars(
            select(Tld).where(Tld.backend == "sandbox", Tld.enabled.is_(True)).order_by(Tld.id)
        ).all()[:20]
        for tld in tlds:
            # Twice the dearest wholesale price, so every operation is above wholesale.
            price = str(max(tld.register_price, tld.renew_price, tld.transfer_price) // 50 + 10)
            catalog.set_retail_prices(partner, tld.name, register=price, renew=price,
                                      transfer=price)
        catalog.create_group(partner, "Bench", [t.name for t in tlds], slug="bench")
        db.session.commit()
        db.engine.dispose()
    return len(tlds)


def searchers(port: int, path: str, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(worker: int) -> None:
        nonlocal errors
        n = 0
        while time.monotonic() < deadline:
            n += 1
            url = f"http://127.0.0.1:{port}{path.format(q=f'benchname{worker}x{n}')}"
            started = time.monotonic()
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers={"Host": HOST}),
                                            timeout=10) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            elapsed = (time.monotonic() - started) * 1000
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(SEARCHERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "count": len(latencies), "errors": errors,
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }


def frame_bytes(port: int) -> dict:
    """Bytes of the domain-search frame after a search whose name is taken (suggestions shown)."""
    def get(path: str) -> bytes:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": HOST})
        with urllib.request.urlopen(request) as response:
            return response.read()

    html = get("/frames/domain-search?group=bench&q=taken-benchmark")
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    sizes = {"html": len(html)}
    for asset in assets:
        sizes[asset.decode().rsplit("/", 1)[1]] = len(get(asset.decode()))
    return {"sizes": sizes, "total": sum(sizes.values()),
            "frameworks": [a.decode() for a in assets if b"frame." not in a]}


def run(work: Path, serve, seconds: float) -> list[str]:
    url = f"sqlite:///{work / 'search.sqlite'}"
    group_size = seed(url)
    env_extra = {"DATABASE_URL": url, "REGISTRAR_BACKENDS": json.dumps(BACKENDS),
                 "AVAILABILITY_CACHE_SECONDS": "0"}
    proc, port = serve(env_extra)
    try:
        frame_path = "/frames/domain-search?group=bench&q={q}"
        page_path = "/search?group=bench&q={q}"
        searchers(port, frame_path, 2)  # warm up: workers, backends, catalogue cache
        frame = searchers(port, frame_path, seconds)
        page = searchers(port, page_path, seconds)
        size = frame_bytes(port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    lines = [
        f"Domain search: {group_size}-TLD group, sandbox backend at {LATENCY_MS} ms per round "
        f"trip, {SEARCHERS} concurrent searchers, a new name every request (no cache), "
        f"{seconds:.0f} s each",
        "",
        "| what | searches | searches/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, r in (("domain-search frame", frame), ("storefront /search page", page)):
        lines.append(f"| {label} | {r['count']} | {r['rps']:.1f} | {r['p50']:.0f} | "
                     f"{r['p99']:.0f} | {r['errors']} |")
    lines += [
        "",
        f"- frame p50 **{frame['p50']:.0f} ms** (target < 250), p99 **{frame['p99']:.0f} ms** "
        f"(target < 400); one request per TLD in sequence would take "
        f"{group_size * LATENCY_MS / 1000:.1f} s",
        f"- domain-search frame transfer: **{size['total']:,} bytes** (target < 25,000): "
        + ", ".join(f"{k} {v:,}" for k, v in size["sizes"].items())
        + f"; JS framework: {'none' if not size['frameworks'] else size['frameworks']}",
    ]
    ok = (frame["p50"] < 250 and frame["p99"] < 400 and size["total"] < 25_000
          and not frame["errors"])
    lines.append(f"- search targets {'met' if ok else 'NOT met'}")
    return lines
