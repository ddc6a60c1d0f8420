"""gunicorn settings shared by the production server (`make serve`) and the bench.

    gunicorn -c python:priorauth.ops.gunicorn_conf [--bind HOST:PORT] [--workers N] ...

Command-line options override these values (the bench sets its own workers and
threads). No Django import here: gunicorn reads this before loading the app.
"""

from __future__ import annotations

import os

wsgi_app = "priorauth.wsgi:application"
bind = ["127.0.0.1:8000"]
# gthread: a worker rendering a PDF still answers page views on its other threads.
workers = int(os.environ.get("PRIORAUTH_WORKERS", "2"))
threads = int(os.environ.get("PRIORAUTH_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
accesslog = "-"
# Status first (the bench counts 5xx from it); the path without its query string,
# as a second guard (PHI never goes into a URL: see web/worklist.py).
access_log_format = "%(s)s %(m)s %(U)s %(M)sms %(t)s"
