"""Static checks that catch real defects: undefined names, unused imports, bugbear traps."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pyflakes_and_bugbear_find_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff, "ruff is a test dependency (pyproject [test] extra)"
    result = subprocess.run(
        [
            ruff,
            "check",
            "--select",
            "F,B",
            "--no-cache",
            "priorauth",
            "tests",
            "scripts",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
