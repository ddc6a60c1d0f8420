"""Regenerate fixtures/demo.json from the demo factories (priorauth/demo).

    .venv/bin/python scripts/make_demo_fixture.py [--output PATH]

The demo is built into a fresh in-memory SQLite database (whatever DATABASE_URL
says) on a fixed seed, so the file depends only on the code: every run writes
the same bytes. Needs the test extra (factory_boy, Faker); the app does not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "fixtures" / "demo.json")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = "sqlite://:memory:"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "priorauth.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from priorauth.demo.fixture import demo_fixture_json

    call_command("migrate", verbosity=0)
    text = demo_fixture_json()
    args.output.write_text(text)
    count = len(json.loads(text))
    print(f"wrote {count} objects to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
