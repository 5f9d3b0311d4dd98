"""Run a command against a throwaway PostgreSQL cluster: `python tests/pg_cluster.py CMD...`.

initdb into a temporary folder, start on a free port (as the postgres user when run as root, since
PostgreSQL refuses to run as root), export DATABASE_URL, run the command, stop and delete the
cluster.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    raise SystemExit(f"{name} not found: install Debian's postgresql package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str]) -> int:
    if not shutil.which("initdb") and not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        if os.geteuid() == 0:
            subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], check=True)
    root = os.geteuid() == 0
    workdir = Path(tempfile.mkdtemp(prefix="storefront-pg-"))
    data = workdir / "data"
    prefix: list[str] = []
    if root:
        pw = pwd.getpwnam("postgres")
        os.chown(workdir, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    log = workdir / "log"
    try:
        subprocess.run([*prefix, _bin("initdb"), "-D", str(data), "-U", "storefront",
                        "--auth=trust", "-E", "UTF8", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*prefix, _bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "start",
                        "-o", f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "storefront",
                        "storefront"], check=True)
        env = {**os.environ,
               "DATABASE_URL": f"postgresql+psycopg://storefront@127.0.0.1:{port}/storefront"}
        print(f"PostgreSQL cluster on port {port}: {env['DATABASE_URL']}", flush=True)
        return subprocess.run(argv, env=env).returncode
    finally:
        subprocess.run([*prefix, _bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
