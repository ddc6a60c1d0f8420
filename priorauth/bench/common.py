"""Shared helpers for the benchmark: paths, environment, statistics, machine facts.

Nothing here imports Django, so the orchestrator can run without a configured
settings module and start each step in its own process.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import statistics
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
VAR = ROOT / "var" / "bench"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """Median, p95, min, max and count of durations given in seconds, in ms."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2) if ms else float("nan"),
        "p95_ms": round(percentile(ms, 95), 2),
        "min_ms": round(min(ms), 2) if ms else float("nan"),
        "max_ms": round(max(ms), 2) if ms else float("nan"),
    }


def db_label(*, database_url: str, requests: int, history: int, practices: int) -> str:
    kind = "pg" if database_url else "sqlite"
    return f"{kind}-r{requests}-h{history}-p{practices}"


def sqlite_path(label: str) -> Path:
    return VAR / f"{label}.sqlite3"


def django_env(
    *, database_url: str, label: str, production: bool = False
) -> dict[str, str]:
    """Environment for a Django child process bound to the benchmark database.

    The bench never touches the checkout's db.sqlite3: SQLite runs use a file
    under var/bench/, PostgreSQL runs use the database named by --database-url.
    """
    env = dict(os.environ)
    env["PRIORAUTH_BENCH_DB"] = "1"
    env["DJANGO_SETTINGS_MODULE"] = "priorauth.settings"
    env["PYTHONPATH"] = str(ROOT) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    if database_url:
        env["DATABASE_URL"] = database_url
        env.pop("PRIORAUTH_SQLITE_PATH", None)
    else:
        env.pop("DATABASE_URL", None)
        env["PRIORAUTH_SQLITE_PATH"] = str(sqlite_path(label))
    if production:
        env.update(production_env())
    return env


def production_env() -> dict[str, str]:
    """Production settings for plain HTTP on loopback (bench only).

    DEBUG off, a fresh random secret, only 127.0.0.1 allowed, no HTTPS redirect
    (there is no TLS terminator on loopback), static files collected under
    var/bench/. Cookies stay Secure; the load generator sends the session and
    CSRF cookies itself as a Cookie header.
    """
    alphabet = string.ascii_letters + string.digits
    return {
        "PRIORAUTH_DEBUG": "0",
        "PRIORAUTH_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(64)),
        "PRIORAUTH_ALLOWED_HOSTS": "127.0.0.1",
        "PRIORAUTH_SSL_REDIRECT": "0",
        "PRIORAUTH_STATIC_ROOT": str(VAR / "static"),
    }


def machine() -> dict[str, object]:
    """CPU model, cores and RAM from /proc, plus versions."""
    info: dict[str, object] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        models = [
            ln.split(":", 1)[1].strip()
            for ln in cpuinfo.splitlines()
            if ln.startswith("model name")
        ]
        info["cpu_model"] = models[0] if models else "?"
        info["logical_cpus"] = len(models) or os.cpu_count()
    except OSError:
        info["cpu_model"] = platform.processor() or "?"
        info["logical_cpus"] = os.cpu_count()
    info["nproc"] = os.cpu_count()
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(
            next(
                ln for ln in meminfo.splitlines() if ln.startswith("MemTotal")
            ).split()[1]
        )
        info["ram_gib"] = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        info["ram_gib"] = None
    try:
        info["free"] = subprocess.run(
            ["free", "-m"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
        info["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def run_step(
    module: str, args: list[str], env: dict[str, str], *, timeout: float
) -> dict:
    """Run ``python -m module args`` and return the JSON it writes to --out."""
    VAR.mkdir(parents=True, exist_ok=True)
    out = VAR / f".step-{module.rsplit('.', 1)[-1]}-{os.getpid()}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", module, *args, "--out", str(out)]
    print(f"  $ {' '.join(cmd[1:])}", flush=True)
    proc = subprocess.run(cmd, env=env, cwd=ROOT, timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit(f"step {module} failed with exit code {proc.returncode}")
    data = json.loads(out.read_text())
    out.unlink(missing_ok=True)
    return data


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def django_setup() -> None:
    """Set up Django for a step, refusing any database but a benchmark one.

    Steps empty and reseed their database, so they only run with the
    environment ``django_env`` builds: a SQLite file under var/bench/ or an
    explicit --database-url. Never the checkout's db.sqlite3.
    """
    if os.environ.get("PRIORAUTH_BENCH_DB") != "1":
        raise SystemExit(
            "run the benchmark through `python -m priorauth.bench` (it picks a separate database)"
        )
    if not os.environ.get("DATABASE_URL"):
        path = Path(os.environ.get("PRIORAUTH_SQLITE_PATH", "")).resolve()
        if VAR.resolve() not in path.parents:
            raise SystemExit(
                f"benchmark SQLite database must be under {VAR}, not {path}"
            )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "priorauth.settings")
    import django

    django.setup()
