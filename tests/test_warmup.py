"""Worker start-up (priorauth/ops/warmup.py): loaded once per worker, heap frozen.

Each case runs in a fresh interpreter: importing the WSGI module is what a
gunicorn worker does, and freezing the GC must not leak into this test process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import gc, json, sys
import priorauth.wsgi
from priorauth.packet import pdf
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "css": pdf._stylesheet.cache_info().currsize,
    "fonts": pdf._font_config.cache_info().currsize,
    "icd10": "priorauth.rules.icd10" in sys.modules,
}))
"""


def _probe(tmp_path: Path, **env: str) -> dict:  # type: ignore[type-arg]
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "priorauth.settings",
        "PRIORAUTH_SQLITE_PATH": str(tmp_path / "unused.sqlite3"),
        **env,
    }
    environ.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.pdf
def test_wsgi_worker_loads_renderer_assets_and_freezes_the_start_up_heap(tmp_path):
    got = _probe(tmp_path)
    assert got["css"] == 1 and got["fonts"] == 1  # print.css and fonts: before any request
    assert got["icd10"] is True
    assert got["frozen"] > 100_000  # Django + WeasyPrint + the ICD-10-CM tables


def test_warm_up_can_be_switched_off(tmp_path):
    got = _probe(tmp_path, PRIORAUTH_WARM_WORKER="0")
    assert got["frozen"] == 0
    assert got["css"] == 0 and got["fonts"] == 0
