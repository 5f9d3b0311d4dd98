"""Install the Debian packages the tests drive for real (Chromium, Caddy) and the ones WeasyPrint
needs to print billing PDFs (pango, DejaVu fonts for Polish letters) when they are missing."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys

NEEDED = {"chromium": "/usr/bin/chromium", "caddy": "/usr/bin/caddy",
          "fonts-dejavu-core": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}
# Shared libraries, found wherever the architecture keeps them.
LIBRARIES = {"libpango-1.0-0": "pango-1.0", "libpangoft2-1.0-0": "pangoft2-1.0"}


def main() -> int:
    missing = [pkg for pkg, path in NEEDED.items() if not os.path.exists(path)]
    missing += [pkg for pkg, lib in LIBRARIES.items() if not ctypes.util.find_library(lib)]
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
