"""Run a server with the background-task worker beside it, and stop both together.

    python -m priorauth.ops.worker -- COMMAND [ARGS...]

starts ``manage.py db_worker`` (django-tasks' database backend: renders draft PDFs
ahead, services.tasks), then COMMAND (runserver for ``make run``; ``make serve``
calls ``run_beside_worker`` with gunicorn). SIGINT and SIGTERM go to both; when the
server ends, the worker is stopped (SIGTERM, then SIGKILL after
``WORKER_STOP_SECONDS``) and the server's exit status is returned. The worker runs
at a lower CPU priority (``nice`` +``WORKER_NICE``, ``PRIORAUTH_TASK_WORKER_NICE``):
a render ahead yields the CPU to the server's page views. The server is told a
worker runs (``PRIORAUTH_RENDER_ON_WORKER=1``): a click that finds no stored draft
hands its render to the worker at click priority instead of rendering in the web
process. A worker that dies is started again (at most ``MAX_RESTARTS`` times);
without it the server still works: a click whose render no worker takes within
``PRIORAUTH_RENDER_HANDOFF_MS`` renders itself.

No Django import: this runs before the settings load (like serve.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER_STOP_SECONDS = 25
MAX_RESTARTS = 5
WORKER_NICE = 10
WORKER_POLL_SECONDS = 0.2


def worker_nice(environ: Mapping[str, str]) -> int:
    raw = environ.get("PRIORAUTH_TASK_WORKER_NICE", "").strip()
    try:
        return int(raw) if raw else WORKER_NICE
    except ValueError:
        raise SystemExit(
            f"PRIORAUTH_TASK_WORKER_NICE={raw!r}: expected a whole number"
        ) from None


def start_worker(
    command: Sequence[str], environ: Mapping[str, str], **popen: object
) -> subprocess.Popen[bytes]:
    """Start the task worker at the lower priority (``worker_nice``)."""
    increment = worker_nice(environ)
    return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
        list(command),
        cwd=ROOT,
        env=dict(environ),
        preexec_fn=(lambda: os.nice(increment)) if increment else None,
        **popen,
    )


def worker_command(python: str = sys.executable) -> list[str]:
    # --no-reload: the autoreloader's child would outlive a SIGTERM to its parent.
    # --interval: how long an idle worker sleeps before it looks at the queue again;
    # a click handed to the worker (services.tasks.draft_render_now) waits for it.
    return [
        python,
        str(ROOT / "manage.py"),
        "db_worker",
        "--no-reload",
        "--interval",
        str(WORKER_POLL_SECONDS),
    ]


def server_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The server's environment beside a worker: clicks hand renders to the worker
    (``PRIORAUTH_RENDER_ON_WORKER``, unless set already)."""
    return {"PRIORAUTH_RENDER_ON_WORKER": "1", **environ}


def _stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_beside_worker(
    server: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    worker: Sequence[str] | None = None,
    stop_seconds: float = WORKER_STOP_SECONDS,
) -> int:
    """Run ``server`` with ``worker`` (default: db_worker) beside it; see the module
    docstring. Returns the server's exit status."""
    environ = dict(os.environ if env is None else env)
    worker = list(worker or worker_command())
    print(f"worker: {' '.join(worker[1:])} beside the server", flush=True)
    task_worker = start_worker(worker, environ)
    server_process = subprocess.Popen(
        list(server), cwd=ROOT, env=server_environ(environ)
    )
    restarts = 0

    def forward(signum: int, frame: object) -> None:
        for process in (server_process, task_worker):
            if process.poll() is None:
                process.send_signal(signum)

    previous = {
        sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        while True:
            try:
                status = server_process.wait(timeout=1)
                break
            except subprocess.TimeoutExpired:
                pass
            if task_worker.poll() is not None and restarts < MAX_RESTARTS:
                restarts += 1
                print(
                    f"worker: db_worker ended ({task_worker.returncode}); "
                    f"starting it again ({restarts}/{MAX_RESTARTS})",
                    flush=True,
                )
                task_worker = start_worker(worker, environ)
    finally:
        _stop(server_process, stop_seconds)
        _stop(task_worker, stop_seconds)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        raise SystemExit("usage: python -m priorauth.ops.worker -- COMMAND [ARGS...]")
    raise SystemExit(run_beside_worker(args))


if __name__ == "__main__":
    main()
