"""Frames: iframe widgets partners embed in their own websites, and embed.js."""

from flask import Blueprint

bp = Blueprint("frames", __name__, url_prefix="/frames")
