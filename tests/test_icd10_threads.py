"""ICD-10 lookups are safe from the first request of a threaded worker."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import os, threading
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "priorauth.settings")
import django
django.setup()
barrier = threading.Barrier(8)
errors = []

def worker():
    barrier.wait()
    try:
        from priorauth.models.validators import normalize_icd10
        assert normalize_icd10("m47816") == "M47.816"
    except Exception as exc:  # noqa: BLE001 - report any failure
        errors.append(repr(exc))

threads = [threading.Thread(target=worker) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print("ERRORS", errors)
raise SystemExit(1 if errors else 0)
"""


def test_eight_threads_validating_codes_at_once_in_a_fresh_process_all_succeed():
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
