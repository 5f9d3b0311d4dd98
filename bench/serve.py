"""Serving and loading for `make bench`: a fresh gunicorn per run, wrk against it, the workers'
resident memory read before it stops, and the machine the figures were taken on."""

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
SCRIPT = ROOT / "bench" / "random_hosts.lua"
WORKERS, THREADS = 2, 4
GUNICORN = [str(Path(sys.executable).parent / "gunicorn"), "--worker-class", "gthread",
            "--workers", str(WORKERS), "--threads", str(THREADS), "--log-level", "warning"]
DURATION = os.environ.get("BENCH_SECONDS", "10")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
SETTINGS = (f"gunicorn gthread, {WORKERS} workers × {THREADS} threads, a fresh process per run; "
            f"wrk 1 thread, {CONNECTIONS} connections, {DURATION} s each")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app_spec: str, env: dict) -> tuple[subprocess.Popen, int]:
    """A fresh gunicorn serving `app_spec`, returned once every worker has loaded the app."""
    port = free_port()
    ready = Path(tempfile.mkdtemp(prefix="bench-ready-"))
    proc = subprocess.Popen([*GUNICORN, "--config", str(ROOT / "bench" / "gunicorn_ready.py"),
                             "--bind", f"127.0.0.1:{port}", app_spec],
                            cwd=ROOT, env={**env, "BENCH_READY_DIR": str(ready)})
    try:
        for _ in range(300):
            if len(list(ready.iterdir())) >= WORKERS:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return proc, port
            time.sleep(0.1)
    finally:
        shutil.rmtree(ready, ignore_errors=True)
    proc.kill()
    raise SystemExit(f"{app_spec} did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def get(port: int, host: str) -> bytes:
    """One request; raises unless it answers 200."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": host})
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200:
            raise SystemExit(f"{host}: {response.status}")
        return response.read()


def wrk(port: int, *script_args: str) -> dict:
    """wrk with bench/random_hosts.lua: requests/s, p50 and p99 in ms, and the requests that did
    not answer 2xx (by status, plus wrk's socket errors: connect, read, write, timeout)."""
    out = subprocess.run(["wrk", "-t", "1", "-c", CONNECTIONS, "-d", f"{DURATION}s", "--latency",
                          "-s", str(SCRIPT), f"http://127.0.0.1:{port}/", "--", *script_args],
                         capture_output=True, text=True, check=True).stdout
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", out)
    return {
        "rps": float(_find(out, r"Requests/sec:\s+([\d.]+)")),
        "requests": int(_find(out, r"(\d+) requests in")),
        "p50": _ms(out, "50%"), "p99": _ms(out, "99%"),
        "errors": int(_find(out, r"non-2xx: (\d+)"))
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    }


def _find(out: str, pattern: str) -> str:
    found = re.search(pattern, out)
    if found is None:
        raise SystemExit(f"wrk printed no {pattern!r}:\n{out}")
    return found.group(1)


def _ms(out: str, pct: str) -> float:
    value, unit = re.search(rf"{pct}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def worker_rss_mb(master: int) -> list[float]:
    """VmRSS of each child of the gunicorn master, in MB."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # Field 4 is the parent's pid; the command name before it may hold spaces.
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != master:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        kb = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if kb:
            sizes.append(int(kb.group(1)) / 1024)
    return sorted(sizes)


def measure(label: str, app_spec: str, env: dict, host: str = "",
            random_of: int = 0, warm_up: int = 200) -> dict:
    """Serve `app_spec` in a fresh gunicorn and load it: every request names `host`, or with
    `random_of` a random partner host p1..p<random_of> under PLATFORM_DOMAIN. The warm-up asks the
    one host `warm_up` times, or a random run's first, middle and last host once each."""
    proc, port = serve(app_spec, env)
    try:
        if random_of:
            domain = env["PLATFORM_DOMAIN"]
            size = len(get(port, f"p1.{domain}"))
            for n in (random_of // 2, random_of):
                get(port, f"p{n}.{domain}")
            result = wrk(port, str(random_of), domain)
        else:
            size = len(get(port, host))
            for _ in range(warm_up):
                get(port, host)
            result = wrk(port, host)
        result["rss"] = worker_rss_mb(proc.pid)
    finally:
        stop(proc)
    result.update(label=label, bytes=size)
    print(f"{label:<60} {result['rps']:>8.0f} req/s  p50 {result['p50']:>7.2f} ms  "
          f"p99 {result['p99']:>7.2f} ms  not 2xx {result['errors']}  RSS/worker "
          + ", ".join(f"{mb:.0f}" for mb in result["rss"]) + " MB", flush=True)
    return result


def machine() -> str:
    cpu = platform.processor()
    if not cpu:
        model = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
        cpu = model.group(1).strip() if model else platform.machine()
    ram = re.search(r"^MemTotal:\s+(\d+) kB", _read("/proc/meminfo"), re.M)
    memory = f"{int(ram.group(1)) / 1024 / 1024:.1f} GB RAM" if ram else "RAM unknown"
    return (f"Machine: {platform.node()} · {os.cpu_count()} cores · {cpu} · {memory}"
            f" · Python {platform.python_version()} · {time.strftime('%Y-%m-%d %H:%M')}")


def load_average() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""
