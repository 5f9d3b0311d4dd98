"""Install the Debian packages the tests drive for real (Chromium, Caddy) when they are missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

NEEDED = {"chromium": "/usr/bin/chromium", "caddy": "/usr/bin/caddy"}


def main() -> int:
    missing = [pkg for pkg, path in NEEDED.items() if not os.path.exists(path)]
    if not missing:
        return 0
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"Please install the Debian packages: {' '.join(missing)}", file=sys.stderr)
        return 1
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
