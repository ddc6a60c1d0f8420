"""HTTP under load: gunicorn with production settings on 127.0.0.1, locust headless.

Two halves:

* ``python -m priorauth.bench.http_bench --out plan.json`` (a Django process on
  the benchmark database, with the same production environment as gunicorn):
  creates one database session per simulated user (no password round trip, so
  the Secure session cookie problem on plain-HTTP loopback does not arise) and
  picks each user's request ids. Writes the plan that locustfile.py reads.
* ``run(...)``, called by the orchestrator: starts gunicorn and, beside it, the
  background-task worker (``manage.py db_worker``: drafts rendered ahead after each
  save, as ``make serve`` runs it), waits for /health/, runs locust for a bounded
  time, stops both, and reads locust's CSV and the logs (5xx, tracebacks,
  "database is locked"). Rendered drafts go to var/bench/renditions-<label>/.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from priorauth.bench.common import ROOT, VAR, django_setup, write_json
from priorauth.ops.serve import COLLECTSTATIC
from priorauth.ops.worker import server_environ, start_worker, worker_command

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def make_plan(*, users: int, ids_per_user: int) -> dict:
    import time as _time

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import NoReverseMatch, reverse
    from django.utils.module_loading import import_string

    from priorauth import models as m
    from priorauth.bench.seed import BENCH_PASSWORD, BENCH_PRACTICE_PREFIX
    from priorauth.security.auth import PracticeModelBackend

    # The session names the backend that loads the user, as a real login would: the
    # settings' own dotted path (priorauth.security re-exports the class).
    BACKEND_PATH = next(
        (
            path
            for path in settings.AUTHENTICATION_BACKENDS
            if import_string(path) is PracticeModelBackend
        ),
        "",
    )
    if not BACKEND_PATH:
        raise SystemExit("PracticeModelBackend is not in AUTHENTICATION_BACKENDS")

    practices = list(
        m.Practice.objects.filter(name__startswith=BENCH_PRACTICE_PREFIX).order_by("pk")
    )
    if not practices:
        raise SystemExit("no benchmark practices: seed first")

    def _session(user):  # type: ignore[no-untyped-def]
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = BACKEND_PATH
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store["pa_login_at"] = _time.time()
        store.set_expiry(settings.SESSION_COOKIE_AGE)
        store.create()
        return store

    rng = random.Random(25)
    plan_users = []
    for i in range(users):
        practice = practices[i % len(practices)]
        username = f"bench-load-{i + 1:02d}"
        user = m.User.objects.filter(username=username).first()
        if user is None:
            user = m.User(
                username=username,
                practice=practice,
                role="billing",
                first_name="Load",
                last_name=f"User {i + 1:02d}",
            )
            user.set_password(BENCH_PASSWORD)
            user.save()
        store = _session(user)
        # The practice admin beside each simulated user opens the analytics page
        # (issue 15): the same practice, its own session.
        admin = m.User.objects.filter(practice=practice, role="admin").first()
        admin_store = _session(admin) if admin is not None else None
        ids = list(
            m.AuthRequest.objects.filter(practice=practice).values_list("pk", flat=True)
        )
        # Only drafts: a request waiting for signature is read-only (its edit page
        # redirects to the detail page, which locust would count as a failure).
        editable = list(
            m.AuthRequest.objects.filter(practice=practice, status="draft").values_list(
                "pk", flat=True
            )
        )
        plan_users.append(
            {
                "username": username,
                "practice_id": practice.pk,
                "session_key": store.session_key,
                "admin_session_key": admin_store.session_key if admin_store else "",
                # Any request of the practice (old and new alike), so the detail
                # page is measured over the whole table, not a cached handful.
                "detail_ids": rng.sample(ids, min(ids_per_user, len(ids))),
                "edit_ids": rng.sample(
                    editable, min(max(1, ids_per_user // 4), len(editable))
                ),
            }
        )

    def url(name: str) -> str:
        try:
            return reverse(name, args=[999999999]).replace("999999999", "{pk}")
        except NoReverseMatch:
            return ""

    return {
        "users": plan_users,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "detail_url": url("pa-request-detail"),
        "edit_url": url("pa-request-edit"),
        "pdf_url": url("pa-request-pdf"),
        "analytics_url": reverse("pa-analytics"),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"gunicorn exited with {proc.returncode} before it was healthy"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn not healthy after {timeout} s")


def _read_stats(prefix: Path) -> dict[str, dict]:
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):

            def num(key: str, row: dict = row) -> float | None:
                value = row.get(key, "")
                try:
                    return float(value)
                except (TypeError, ValueError):
                    return None

            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": num("50%"),
                "p95_ms": num("95%"),
                "p99_ms": num("99%"),
                "max_ms": num("Max Response Time"),
                "avg_ms": round(num("Average Response Time") or 0, 1),
                "rps": round(num("Requests/s") or 0, 2),
            }
    return rows


def _read_failures(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, newline="") as fh:
        return [
            {
                "endpoint": r["Name"],
                "error": r["Error"][:300],
                "count": int(r["Occurrences"]),
            }
            for r in csv.DictReader(fh)
        ]


def run(
    *,
    env: dict[str, str],
    label: str,
    users: int,
    duration: int,
    workers: int,
    threads: int,
    think: str,
    plan: dict,
    pdf_in_load: bool = False,
    save_in_load: bool = True,
) -> dict:
    """Start gunicorn, drive it with locust for ``duration`` seconds, collect figures."""
    VAR.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    plan = dict(plan, origin=origin, pdf_in_load=pdf_in_load, save_in_load=save_in_load)
    plan_path = VAR / f"plan-{label}.json"
    write_json(plan_path, plan)
    log_path = VAR / f"gunicorn-{label}.log"
    prefix = VAR / f"locust-{label}"
    # The production server's gunicorn settings (ops/gunicorn_conf.py: timeout,
    # access log) and its hashed static files; only the pool size is the bench's.
    subprocess.run(
        [sys.executable, "manage.py", *COLLECTSTATIC], env=env, cwd=ROOT, check=True
    )
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:priorauth.ops.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
    ]
    env = dict(env, PRIORAUTH_RENDITION_DIR=str(VAR / f"renditions-{label}"))
    # Each run starts with an empty rendition cache and task queue (the database is
    # reused: tasks a stopped worker left queued would otherwise run first).
    _django(
        env,
        "from django_tasks_db.models import DBTaskResult\n"
        "from priorauth.models import DraftRendition\n"
        "DraftRendition.objects.all().delete()\n"
        "DBTaskResult.objects.all().delete()\n",
    )
    worker_log_path = VAR / f"worker-{label}.log"
    with open(log_path, "w") as log, open(worker_log_path, "w") as worker_log:
        server = subprocess.Popen(
            gunicorn,
            # Every save transaction's duration goes to the log (P11).
            # A worker runs beside it (below): clicks hand their renders to it.
            env=server_environ(dict(env, PRIORAUTH_SLOW_TRANSACTION_MS="0")),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        task_worker = start_worker(
            worker_command(),
            env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_healthy(f"{origin}/health/", server)
            locust_env = dict(
                os.environ,
                PRIORAUTH_BENCH_PLAN=str(plan_path),
                PRIORAUTH_BENCH_THINK=think,
            )
            cmd = [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--host",
                origin,
                "-u",
                str(users),
                "-r",
                str(max(1, users // 5)),
                "--run-time",
                f"{duration}s",
                "--stop-timeout",
                "10",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ]
            print(
                f"  $ locust ... -u {users} --run-time {duration}s against gunicorn "
                f"({workers} workers x {threads} threads) on {origin}",
                flush=True,
            )
            started = time.monotonic()
            locust = subprocess.run(
                cmd,
                env=locust_env,
                cwd=ROOT,
                timeout=duration + 120,
                capture_output=True,
                text=True,
            )
            elapsed = time.monotonic() - started
        finally:
            for process in (server, task_worker):
                os.killpg(process.pid, signal.SIGTERM)
            for process in (server, task_worker):
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
    (VAR / f"locust-{label}.out").write_text(locust.stdout + locust.stderr)
    log_text = log_path.read_text(errors="replace")
    worker_text = worker_log_path.read_text(errors="replace")
    status_5xx = sum(
        1
        for ln in log_text.splitlines()
        if ln[:1] == "5" and ln[1:3].isdigit() and ln[3:4] == " "
    )
    return {
        "users": users,
        "duration_s": duration,
        "elapsed_s": round(elapsed, 1),
        "think_s": think,
        "pdf_in_load": pdf_in_load,
        "save_in_load": save_in_load,
        "gunicorn": {"workers": workers, "threads": threads},
        "locust_exit": locust.returncode,
        "endpoints": _read_stats(prefix),
        "failures": _read_failures(prefix),
        "server_5xx": status_5xx,
        "database_is_locked": log_text.count("database is locked"),
        "tracebacks": log_text.count("Traceback (most recent call last)"),
        "save_transactions": _transaction_summary(log_text),
        "gunicorn_log": str(log_path.relative_to(ROOT)),
        "worker_log": str(worker_log_path.relative_to(ROOT)),
        "worker_tracebacks": worker_text.count("Traceback (most recent call last)"),
        "renditions": _renditions_summary(env),
        "renders_ahead_dropped": sum(
            int(n) for n in re.findall(r"worker is behind: dropped (\d+)", log_text)
        ),
    }


def _django(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a Django process on the benchmark database."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _renditions_summary(env: dict[str, str]) -> dict[str, object]:
    """Who rendered the drafts left in the rendition cache after the run (one per
    request; emptied before it): "task" (ahead of the click) or "click"."""
    done = _django(
        env,
        "import json\n"
        "from django.db.models import Count\n"
        "from priorauth.models import DraftRendition as D\n"
        "rows = D.objects.values('rendered_by', 'state').annotate(n=Count('id'))\n"
        "from django_tasks_db.models import DBTaskResult as T\n"
        "tasks = {}\n"
        "for t in T.objects.all():\n"
        "    kind = 'click' if t.priority > 0 else 'ahead'\n"
        "    out = t.return_value if t.status == 'SUCCESSFUL' else t.status.lower()\n"
        "    d = tasks.setdefault(kind, {'outcomes': {}, 'waits': []})\n"
        "    d['outcomes'][str(out)] = d['outcomes'].get(str(out), 0) + 1\n"
        "    if t.started_at:\n"
        "        d['waits'].append((t.started_at - t.enqueued_at).total_seconds())\n"
        "for d in tasks.values():\n"
        "    w = sorted(d.pop('waits'))\n"
        "    d['queue_wait_s'] = {'n': len(w), 'median': round(w[len(w) // 2], 2) if w else None,\n"
        "        'p95': round(w[min(len(w) - 1, int(0.95 * len(w)))], 2) if w else None,\n"
        "        'max': round(w[-1], 2) if w else None}\n"
        "print(json.dumps({'rows': list(rows), 'tasks': tasks}))\n",
    )
    if done.returncode:
        return {"error": done.stderr[-500:]}
    import json

    return json.loads(done.stdout.strip().splitlines()[-1])


_TX = re.compile(r"transaction request save took ([0-9.]+) ms")


def _transaction_summary(log_text: str) -> dict[str, object] | None:
    """P11: save transaction durations (BEGIN to COMMIT, lock wait included)."""
    values = sorted(float(v) for v in _TX.findall(log_text))
    if not values:
        return None

    def pct(p: float) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))], 1)

    return {
        "n": len(values),
        "p50_ms": pct(0.5),
        "p95_ms": pct(0.95),
        "max_ms": round(values[-1], 1),
        "over_5s_busy_timeout": sum(1 for v in values if v >= 5000),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--ids-per-user", type=int, default=400)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    django_setup()
    write_json(
        Path(args.out), make_plan(users=args.users, ids_per_user=args.ids_per_user)
    )


if __name__ == "__main__":
    main()
