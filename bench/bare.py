"""The baseline: a bare Flask view returning a fixed string, served exactly like the storefront."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index() -> str:
    return "Hello, World!"
