"""priorauth/rules must stay pure Python: no django import anywhere in the package."""

from __future__ import annotations

import ast
from pathlib import Path

RULES = Path(__file__).resolve().parent.parent / "priorauth" / "rules"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif (
            isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__"
        ):
            names += [a.value for a in node.args if isinstance(a, ast.Constant)]
    return names


def test_rules_package_imports_nothing_from_django():
    files = sorted(RULES.rglob("*.py"))
    assert files
    offenders = {
        str(p.relative_to(RULES)): n
        for p in files
        for n in _imports(p)
        if n == "django" or str(n).startswith("django.")
    }
    assert offenders == {}
