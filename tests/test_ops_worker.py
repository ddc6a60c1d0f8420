"""`make run` / `make serve`: the task worker runs beside the server and stops with it.

Small stand-in commands play the server and the worker (each writes its pid to a
file); the real ones are `manage.py runserver`/gunicorn and `manage.py db_worker`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from priorauth.ops import worker


def _script(tmp_path: Path, name: str, body: str) -> list[str]:
    path = tmp_path / f"{name}.py"
    path.write_text(
        "import os, sys, time\n"
        f"open({str(tmp_path / name)!r} + '.pid', 'a').write(f'{{os.getpid()}}\\n')\n"
        + body
    )
    return [sys.executable, str(path)]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _pids(tmp_path: Path, name: str) -> list[int]:
    return [int(x) for x in (tmp_path / f"{name}.pid").read_text().split()]


def test_the_worker_is_stopped_when_the_server_ends(tmp_path):
    # The server waits for the worker to have started, then exits with status 3.
    server = _script(
        tmp_path,
        "server",
        f"while not os.path.exists({str(tmp_path / 'worker.pid')!r}):\n"
        "    time.sleep(0.05)\n"
        "sys.exit(3)\n",
    )
    task_worker = _script(tmp_path, "worker", "time.sleep(600)\n")
    status = worker.run_beside_worker(server, worker=task_worker, stop_seconds=30)
    assert status == 3
    (pid,) = _pids(tmp_path, "worker")
    assert not _alive(pid)  # stopped and reaped, not left behind


def test_a_worker_that_dies_is_started_again(tmp_path):
    # The worker exits at once; the server ends once it has seen a second start.
    task_worker = _script(tmp_path, "worker", "sys.exit(1)\n")
    server = _script(
        tmp_path,
        "server",
        f"p = {str(tmp_path / 'worker.pid')!r}\n"
        "while not (os.path.exists(p) and len(open(p).read().split()) >= 2):\n"
        "    time.sleep(0.05)\n",
    )
    assert worker.run_beside_worker(server, worker=task_worker) == 0
    assert 2 <= len(_pids(tmp_path, "worker")) <= 1 + worker.MAX_RESTARTS


def test_the_default_worker_is_django_tasks_db_worker():
    command = worker.worker_command("python")
    assert command[2:] == [
        "db_worker",
        "--no-reload",
        "--interval",
        str(worker.WORKER_POLL_SECONDS),
    ]
    assert command[1].endswith("manage.py")


def test_the_worker_runs_at_a_lower_cpu_priority(tmp_path):
    server = _script(
        tmp_path,
        "server",
        f"while not os.path.exists({str(tmp_path / 'worker.nice')!r}):\n"
        "    time.sleep(0.05)\n",
    )
    tmp, done = str(tmp_path / "worker.tmp"), str(tmp_path / "worker.nice")
    task_worker = _script(
        tmp_path,
        "worker",
        f"open({tmp!r}, 'w').write(str(os.nice(0)))\n"
        f"os.rename({tmp!r}, {done!r})\n"
        "time.sleep(600)\n",
    )
    env = dict(os.environ, PRIORAUTH_TASK_WORKER_NICE="7")
    assert worker.run_beside_worker(server, worker=task_worker, env=env) == 0
    assert int((tmp_path / "worker.nice").read_text()) == os.nice(0) + 7
