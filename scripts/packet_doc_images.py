"""Page images of the example packet for docs/packet.md.

    .venv/bin/python scripts/packet_doc_images.py [--out docs/packet]

Renders examples/mbb-diagnostic-third-same-level-medicare.json (synthetic) as the
physician would see it after answering the open criterion (a clinical rationale
for the third diagnostic block), writes the draft PDF to artifacts/ and one PNG
per page to the output folder (pdftoppm, 80 dpi).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "priorauth.settings")

EXAMPLE = ROOT / "examples" / "mbb-diagnostic-third-same-level-medicare.json"
RATIONALE = (
    "The two earlier blocks at L4-L5 were done for left-sided pain. Since a fall on"
    " 11/02/2026 the pain is bilateral and worse on extension, a new pattern; a"
    " diagnostic block is needed to confirm the facet joints as its source before"
    " radiofrequency ablation is planned"
)


def main() -> None:
    import django

    django.setup()
    from priorauth import packet
    from priorauth.packet import pdf
    from priorauth.rules import evaluate
    from priorauth.rules.facts import Rationale
    from priorauth.rules.io import load_request
    from priorauth.rules.profiles import load_fixture_policies

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "packet"))
    args = parser.parse_args()
    facts = load_request(EXAMPLE)
    facts = dataclasses.replace(
        facts, rationales=(Rationale("DVT-001", "L4-L5", RATIONALE),)
    )
    policy = load_fixture_policies()[facts.payer.profile_key]
    evaluation = evaluate(facts, policy, today=date(2026, 12, 2))
    context = packet.build_packet_context(
        facts=facts,
        evaluation=evaluation,
        policy=policy,
        practice=packet.PracticeInfo(
            name="Example Valley Spine & Pain (synthetic)",
            phone="555-0100",
            fax="555-0101",
            contact_name="Prior authorization desk",
        ),
        request_id=2,
        revision=1,
    )
    data = pdf.render_pdf("pdf/packet.html", context)
    target = ROOT / "artifacts" / "packet-doc.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(target), str(out / "page")], check=True
    )
    print(f"{target} and {len(list(out.glob('page-*.png')))} page images in {out}")


if __name__ == "__main__":
    main()
