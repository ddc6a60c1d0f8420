"""The production server in one command: ``make serve`` (``-m priorauth.ops.serve``).

Production settings (PRIORAUTH_DEBUG=0) under gunicorn (``ops/gunicorn_conf.py``):

1. a secret key: PRIORAUTH_SECRET_KEY or PRIORAUTH_SECRET_KEY_FILE when set,
   otherwise ``var/secret_key``, generated on the first run (mode 600);
2. ``manage.py migrate`` (SQLite, or PostgreSQL when DATABASE_URL is set);
3. ``manage.py collectstatic``: hashed, compressed files that WhiteNoise serves;
4. gunicorn, with the background-task worker (``manage.py db_worker``: draft PDFs
   rendered ahead) beside it (``ops/worker.py``): Ctrl-C or a service manager's
   SIGTERM reaches both, and the worker stops with gunicorn. With
   PRIORAUTH_TASK_WORKER=0 (the worker runs elsewhere, e.g. a Celery or RQ backend
   on other machines) this process becomes gunicorn (exec), as before.

Options other than ``--bind`` go to gunicorn unchanged, e.g. ``--workers 4``.
Nothing here imports Django: the settings can only load once the key exists.
"""

from __future__ import annotations

import argparse
import os
import secrets
import stat
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from priorauth.ops.worker import run_beside_worker

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY_FILE = ROOT / "var" / "secret_key"
FALSE_WORDS = ("0", "false", "no", "off")
# axe-core is for the accessibility tests only; no page links it.
COLLECTSTATIC = ["collectstatic", "--noinput", "--verbosity", "0"]
COLLECTSTATIC += ["--ignore", "priorauth/vendor/axe/*"]


def ensure_secret_key_file(path: Path) -> bool:
    """Write a new random key to ``path`` (mode 600) unless it exists; True if so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise SystemExit(
                f"serve: {path} is readable by other users (mode {mode:o}); "
                f"run 'chmod 600 {path}'"
            ) from None
        return False
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(64) + "\n")
    return True


def production_env(
    environ: Mapping[str, str], *, secret_key_file: Path = SECRET_KEY_FILE
) -> tuple[dict[str, str], bool]:
    """The environment for manage.py and gunicorn; True when a key was generated."""
    env = dict(environ)
    env["PRIORAUTH_DEBUG"] = "0"
    env["DJANGO_SETTINGS_MODULE"] = "priorauth.settings"
    created = False
    if not env.get("PRIORAUTH_SECRET_KEY") and not env.get("PRIORAUTH_SECRET_KEY_FILE"):
        created = ensure_secret_key_file(secret_key_file)
        env["PRIORAUTH_SECRET_KEY_FILE"] = str(secret_key_file)
    return env, created


def _manage(env: Mapping[str, str], *args: str) -> None:
    print(f"serve: manage.py {' '.join(args)}", flush=True)
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=dict(env)
    )
    if done.returncode:
        raise SystemExit(done.returncode)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Migrate, collect static files and run gunicorn with production "
        "settings. Unknown options are passed to gunicorn."
    )
    parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT")
    args, gunicorn_args = parser.parse_known_args(argv)
    env, created = production_env(os.environ)
    if created:
        print(f"serve: generated a secret key in {SECRET_KEY_FILE} (mode 600)")
    _manage(env, "migrate", "--noinput")
    _manage(env, *COLLECTSTATIC)
    print(f"serve: gunicorn on http://{args.bind}/ with production settings")
    if env.get("PRIORAUTH_SSL_REDIRECT", "1").strip().lower() not in FALSE_WORDS:
        print(
            "serve: plain HTTP is redirected to HTTPS. Put a TLS proxy in front that "
            "sets X-Forwarded-Proto: https, or try it on this machine with "
            "'make serve PRIORAUTH_SSL_REDIRECT=0' (README, Production server)."
        )
    sys.stdout.flush()
    os.chdir(ROOT)
    config = "python:priorauth.ops.gunicorn_conf"
    command = [sys.executable, "-m", "gunicorn", "-c", config]
    command += ["--bind", args.bind, *gunicorn_args]
    if env.get("PRIORAUTH_TASK_WORKER", "1").strip().lower() in FALSE_WORDS:
        os.execve(sys.executable, command, env)
    raise SystemExit(run_beside_worker(command, env=env))


if __name__ == "__main__":
    main()
