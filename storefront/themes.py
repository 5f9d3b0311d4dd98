"""Themes: one folder per theme under themes/, each with templates/ and static/.

Templates are addressed with the theme's slug as a prefix (`minimal/page.html`) and every render
names the theme explicitly with the classic theme as fallback, so Jinja's cache never mixes themes.
Static files (the platform's and every theme's) are copied at start-up to instance/static under
content-hashed names and served by WhiteNoise with far-future, immutable caching.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from flask import Flask, current_app, render_template
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from whitenoise import WhiteNoise

from storefront import ROOT

THEMES_DIR = ROOT / "themes"
FALLBACK = "classic"


def available() -> dict[str, dict]:
    """slug -> {"name", "description"} for every theme folder with a theme.json."""
    themes = {}
    for folder in sorted(THEMES_DIR.iterdir()):
        meta = folder / "theme.json"
        if meta.is_file():
            themes[folder.name] = json.loads(meta.read_text())
    return themes


def render_theme(site, template: str, **context) -> str:
    theme = site.theme if site.theme in current_app.extensions["themes"] else FALLBACK
    # Shared templates (the subscriber account, the cart) extend `theme_base`: the partner's layout.
    return render_template(
        [f"{theme}/{template}", f"{FALLBACK}/{template}", template],
        site=site,
        theme_base=f"{theme}/base.html",
        **context,
    )


def static_url(name: str) -> str:
    """URL of a static file by logical name: `platform/app.css` or `<theme>/style.css`."""
    return current_app.extensions["static_manifest"][name]


def _build_static(app: Flask) -> dict[str, str]:
    sources = {"platform": ROOT / "storefront" / "static"}
    sources.update({slug: THEMES_DIR / slug / "static" for slug in app.extensions["themes"]})
    sources["widgets"] = ROOT / "widgets" / "static"
    out = Path(app.instance_path) / "static"
    manifest = {}
    for prefix, folder in sources.items():
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            rel = path.relative_to(folder)
            hashed = rel.with_name(f"{rel.stem}.{digest}{rel.suffix}")
            target = out / prefix / hashed
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.{os.getpid()}")
                shutil.copyfile(path, tmp)
                tmp.replace(target)
            manifest[f"{prefix}/{rel.as_posix()}"] = f"/static/{prefix}/{hashed.as_posix()}"
    return manifest


def init_app(app: Flask) -> None:
    app.extensions["themes"] = available()
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "storefront" / "templates")),
            FileSystemLoader(str(ROOT / "cms_pages" / "templates")),
            FileSystemLoader(str(ROOT / "widgets" / "templates")),
            PrefixLoader(
                {
                    slug: FileSystemLoader(str(THEMES_DIR / slug / "templates"))
                    for slug in app.extensions["themes"]
                }
            ),
        ]
    )
    app.extensions["static_manifest"] = _build_static(app)
    app.jinja_env.globals["static_url"] = static_url
    # Flask's documented way to add WSGI middleware; mypy sees a method being replaced.
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(Path(app.instance_path) / "static"),
        prefix="static/",
        max_age=31536000,
        immutable_file_test=lambda path, url: True,
    )
