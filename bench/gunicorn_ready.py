"""gunicorn settings file for the bench: each worker, once it has loaded the app, leaves a file
named by its pid in $BENCH_READY_DIR. serve() waits for all of them before loading the server:
wrk opens its connections once, at the start, so connections opened while one worker was still
importing would all stay on the other for the whole run (half the machine measured)."""

import os
from pathlib import Path


def post_worker_init(worker) -> None:
    (Path(os.environ["BENCH_READY_DIR"]) / str(worker.pid)).touch()
