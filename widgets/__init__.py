"""Frames: iframe widgets partners embed in their own websites (/frames/…), and embed.js."""

from widgets.views import bp, static_bp

__all__ = ["bp", "static_bp"]
