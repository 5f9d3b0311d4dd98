"""The cold path: every request names a random partner host out of 10,000, on a fresh gunicorn
whose caches are empty, so most requests resolve the host and build the page from the database.

`random_host(url, env)` runs it on a seeded database. `postgres(work, env)` runs it on a throwaway
PostgreSQL cluster: `python tests/pg_cluster.py python bench/cold.py OUT.json`, this module's
main, which seeds 10,000 partners into the cluster's DATABASE_URL, runs it and writes the result
as JSON to OUT.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed import seed  # noqa: E402  (needs ROOT on the path)
from bench.serve import measure  # noqa: E402

PARTNERS = 10_000


def random_host(database_url: str, env: dict, database: str) -> dict:
    result = measure(f"storefront home, {PARTNERS:,} partners, random host ({database})",
                     "wsgi:app", {**env, "DATABASE_URL": database_url}, random_of=PARTNERS)
    result["database"] = database
    return result


def postgres(work: Path, env: dict) -> dict | None:
    """The random-host run on a throwaway PostgreSQL cluster; None when it could not run."""
    out = work / "postgres.json"
    done = subprocess.run([sys.executable, "tests/pg_cluster.py", sys.executable,
                           "bench/cold.py", str(out)], cwd=ROOT, env=env)
    if done.returncode != 0 or not out.exists():
        print(f"PostgreSQL run failed (exit status {done.returncode})", flush=True)
        return None
    return json.loads(out.read_text())


def main(out: str) -> int:
    url = os.environ["DATABASE_URL"]  # set by tests/pg_cluster.py
    started = time.monotonic()
    seed(url, PARTNERS)
    print(f"seeded {PARTNERS} partners on PostgreSQL in {time.monotonic() - started:.1f} s",
          flush=True)
    Path(out).write_text(json.dumps(random_host(url, dict(os.environ), "PostgreSQL")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
