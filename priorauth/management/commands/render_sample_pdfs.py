"""Render every demo request and every examples/*.json to draft PDFs for visual review.

    manage.py render_sample_pdfs --out artifacts/sample-pdfs [--png]

--png also writes page images with pdftoppm (poppler-utils) when it is installed.
Output names carry ids or example file names only, never patient data.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from priorauth import models as m
from priorauth import services
from priorauth.management.commands.render_request import render_file
from priorauth.packet import pdf


class Command(BaseCommand):
    help = "Render demo requests and example request files to draft PDFs."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--out", default="artifacts/sample-pdfs")
        parser.add_argument(
            "--png", action="store_true", help="also write PNG pages (pdftoppm)"
        )
        parser.add_argument(
            "--no-db", action="store_true", help="only the examples/*.json files"
        )

    def handle(self, *args: object, **options: object) -> None:
        out = Path(str(options["out"]))
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        if not options.get("no_db"):
            for request in (
                services.auth_request_queryset_for_detail()
                .select_related("practice")
                .order_by("pk")
            ):
                context = services.auth_request_packet_context(request=request)
                target = out / pdf.pdf_filename(
                    request_id=request.pk, revision=request.revision, kind="draft"
                )
                target.write_bytes(
                    pdf.render_pdf(services.signing.PACKET_TEMPLATE, context)
                )
                written.append(target)
        for example in sorted((Path(settings.BASE_DIR) / "examples").glob("*.json")):
            target = out / f"example-{example.stem}.pdf"
            target.write_bytes(render_file(example))
            written.append(target)
        if options.get("png") and shutil.which("pdftoppm"):
            for target in written:
                subprocess.run(
                    [
                        "pdftoppm",
                        "-r",
                        "60",
                        "-png",
                        str(target),
                        str(target.with_suffix("")),
                    ],
                    check=True,
                )
        self.stdout.write(
            f"{len(written)} PDFs in {out} ({m.AuthRequest.objects.count() if not options.get('no_db') else 0} demo requests)"
        )
