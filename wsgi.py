"""The serving process's entry point (`gunicorn wsgi:app`, `flask --app wsgi`).

Python's cyclic garbage collector is tuned for a long-lived process holding large caches: the
objects made while starting (modules, templates, the app) are frozen out of its scans, and a young
collection waits for 50,000 new objects instead of 700. With thousands of storefronts in the
caches, the default settings spent about a millisecond of every cold request walking them (and
their full collections showed as 50-70 ms stalls at the 99th percentile); see `make bench`.
"""

import gc

from storefront import create_app

app = create_app()

gc.freeze()
gc.set_threshold(50_000, 20, 20)
