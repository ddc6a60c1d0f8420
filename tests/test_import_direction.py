"""The layers import downwards only (docs/architecture.md, "What each package imports").

rules at the bottom, then packet and models, services above them, web on top; security
and ops beside them; the bench outside. Every import in priorauth/ is read from the
source, function-level ones included, so a lazy import cannot hide an edge going up.
Pure Python: no Django settings, no database.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "priorauth"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Dotted names ``path`` imports: ``from a.b import c`` gives ``a.b`` and ``a.b.c``
    (``c`` may be a module), relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            if base != "priorauth":  # "from priorauth import x": only x says which
                names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _sources() -> dict[str, set[str]]:
    """Each module of priorauth (migrations aside) -> the priorauth names it imports."""
    return {
        _module_name(path): {
            name
            for name in _imports(path)
            if name == "priorauth" or name.startswith("priorauth.")
        }
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.relative_to(PACKAGE).parts
    }


SOURCES = _sources()


def _in(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _offenders(
    importer: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """{module of ``importer``: its imports from ``forbidden``, unless ``allowed``}."""
    found = {}
    for module, names in SOURCES.items():
        if not _in(module, importer):
            continue
        bad = sorted(n for n in names if _in(n, *forbidden) and not _in(n, *allowed))
        if bad:
            found[module] = bad
    return found


def test_it_reads_every_package():
    top = {module.split(".")[1] for module in SOURCES if module.count(".") >= 1}
    assert {
        "rules",
        "packet",
        "pas",
        "models",
        "services",
        "security",
        "web",
        "ops",
    } <= top
    assert any(module.startswith("priorauth.web.requests.") for module in SOURCES)


def test_rules_import_nothing_else_of_priorauth():
    offenders = {
        module: sorted(n for n in names if not _in(n, "priorauth.rules"))
        for module, names in SOURCES.items()
        if _in(module, "priorauth.rules")
    }
    assert {m: n for m, n in offenders.items() if n} == {}


@pytest.mark.parametrize(
    ("importer", "forbidden", "allowed"),
    [
        # The packet presents the rules' outcomes: no data model, no services.
        (
            "priorauth.packet",
            (
                "priorauth.models",
                "priorauth.services",
                "priorauth.security",
                "priorauth.web",
                "priorauth.ops",
                "priorauth.admin",
                "priorauth.urls",
            ),
            (),
        ),
        # The PAS builder and reader (like the packet) work on facts, not rows.
        (
            "priorauth.pas",
            (
                "priorauth.models",
                "priorauth.services",
                "priorauth.security",
                "priorauth.web",
                "priorauth.ops",
                "priorauth.management",
                "priorauth.admin",
                "priorauth.urls",
            ),
            (),
        ),
        # The data model reads the rules' vocabulary and nothing above it.
        (
            "priorauth.models",
            (
                "priorauth.packet",
                "priorauth.services",
                "priorauth.security",
                "priorauth.web",
                "priorauth.ops",
                "priorauth.admin",
                "priorauth.urls",
            ),
            (),
        ),
        # Services never reach up to the screens; from security only the trail.
        (
            "priorauth.services",
            (
                "priorauth.web",
                "priorauth.security",
                "priorauth.ops",
                "priorauth.management",
                "priorauth.admin",
                "priorauth.urls",
            ),
            ("priorauth.security.audit",),
        ),
        (
            "priorauth.security",
            (
                "priorauth.web",
                "priorauth.ops",
                "priorauth.management",
                "priorauth.admin",
                "priorauth.urls",
            ),
            (),
        ),
        (
            "priorauth.ops",
            (
                "priorauth.web",
                "priorauth.services",
                "priorauth.security",
                "priorauth.management",
                "priorauth.admin",
                "priorauth.urls",
            ),
            (),
        ),
        (
            "priorauth.management",
            ("priorauth.web", "priorauth.admin", "priorauth.urls"),
            (),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_layers_import_downwards_only(importer, forbidden, allowed):
    assert _offenders(importer, forbidden, allowed) == {}


def test_the_pas_package_imports_no_django():
    found = {
        _module_name(path): sorted(
            n for n in _imports(path) if n == "django" or n.startswith("django.")
        )
        for path in sorted((PACKAGE / "pas").glob("*.py"))
    }
    assert found and {m: n for m, n in found.items() if n} == {}


def test_security_calls_services_only_to_reseal_a_signing_key():
    # security.passwords (a user's own password change re-seals the signing key)
    # is the one module of security that calls a service.
    assert _offenders("priorauth.security", ("priorauth.services",)) == {
        "priorauth.security.passwords": ["priorauth.services"]
    }


def test_only_the_shell_imports_the_screens():
    importers = {
        module
        for module, names in SOURCES.items()
        if any(_in(n, "priorauth.web") for n in names)
        and not _in(module, "priorauth.web", "priorauth.bench")
    }
    assert importers == {"priorauth.urls", "priorauth.admin"}


@pytest.mark.parametrize("package", ["priorauth.bench", "priorauth.demo"])
def test_nothing_imports_the_bench_or_the_demo_builder(package):
    importers = {
        module
        for module, names in SOURCES.items()
        if any(_in(n, package) for n in names) and not _in(module, package)
    }
    assert importers == set()


def test_every_package_opens_with_a_three_line_docstring():
    short = {}
    for init in sorted(PACKAGE.rglob("__init__.py")):
        if "migrations" in init.parts or init.parent.name == "commands":
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        if not doc or len(doc.splitlines()) < 3:
            short[str(init.relative_to(ROOT))] = doc
    assert short == {}
