"""The one place that turns HTML into PDF.

Two steps, each testable on its own: ``render_html`` builds the HTML from a
Django template and a context (autoescaped, so user text stays text), and
``html_to_pdf`` converts it with WeasyPrint.

Security posture of the conversion (quality.md tests 17-22):

- The URL fetcher is deny-by-default. It serves only regular files inside
  ``ASSET_DIR`` (the shipped fonts and print.css), by ``file:`` URL, after
  resolving symlinks and ``..``. Everything else is refused without any I/O:
  ``http:``, ``https:``, ``ftp:``, ``data:``, and ``file:`` anywhere else.
  Redirects cannot happen because nothing is ever opened over a network.
- The stylesheet is a ``weasyprint.CSS`` object built once per process with the
  same fetcher; the templates carry no ``<style>`` or ``<link>`` of their own.
- ``presentational_hints`` is off, no attachments, no XMP metadata from user
  data. Metadata (title, author, subject) comes from ``<title>`` and ``<meta>``
  tags the template writes from known, non-PHI values.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pydyf
import weasyprint
from weasyprint.text import ffi as weasyprint_ffi
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

ASSET_DIR = (Path(__file__).resolve().parent / "pdf_assets").resolve()
PRINT_CSS = ASSET_DIR / "print.css"
BASE_URL = ASSET_DIR.as_uri() + "/"

_CONTENT_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff2": "font/woff2",
}


class FetchRefused(ValueError):
    """A resource outside the project's PDF assets was requested."""


class AssetOnlyFetcher(URLFetcher):
    """Serve files under ``ASSET_DIR`` only; refuse every other URL.

    Refused URLs are recorded in ``refused`` (tests assert on it) and logged
    without the URL's query string.
    """

    def __init__(self) -> None:
        super().__init__(
            timeout=1,
            allowed_protocols=("file",),
            allow_redirects=False,
            fail_on_errors=False,
        )
        self.refused: list[str] = []

    def fetch(
        self, url: str, headers: Mapping[str, str] | None = None
    ) -> URLFetcherResponse:
        path = self.resolve(url)
        if path is None:
            self.refused.append(url[:200])
            logger.warning(
                "pdf: refused resource fetch (scheme %s)", urlsplit(url).scheme or "?"
            )
            raise FetchRefused(
                "resource refused: only the project's PDF assets may be loaded"
            )
        return URLFetcherResponse(
            path.as_uri(),
            path.read_bytes(),
            {
                "Content-Type": _CONTENT_TYPES.get(
                    path.suffix, "application/octet-stream"
                )
            },
        )

    @staticmethod
    def resolve(url: str) -> Path | None:
        """The asset file a URL names, or None when it is not an allowed asset."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        try:
            path = Path(unquote(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        if not path.is_file() or not path.is_relative_to(ASSET_DIR):
            return None
        if path.suffix not in _CONTENT_TYPES:
            return None
        return path


@functools.cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def _stylesheet() -> weasyprint.CSS:
    """print.css with its @font-face rules, parsed once per process."""
    return weasyprint.CSS(
        filename=str(PRINT_CSS),
        base_url=BASE_URL,
        url_fetcher=AssetOnlyFetcher(),
        font_config=_font_config(),
    )


_WARM_HTML = (
    "<!doctype html><html><head><title>warm-up</title></head>"
    "<body><h1>Warm-up</h1><p>Text <strong>bold</strong></p>"
    "<table><tr><th>a</th><td>1</td></tr></table></body></html>"
)


def warm() -> None:
    """Parse print.css, load the fonts and render one tiny page (Pango and HarfBuzz
    caches), so the first real render in this process is not the slow one."""
    html_to_pdf(_WARM_HTML)


def stylesheets() -> list[weasyprint.CSS]:
    """The only stylesheets a render uses (CSS objects, never paths or URLs)."""
    return [_stylesheet()]


def write_options() -> dict[str, object]:
    """Options for ``write_pdf``: fixed, never taken from user data."""
    return {
        "presentational_hints": False,
        "attachments": None,
        "xmp_metadata": None,
        "pdf_forms": False,
    }


def render_html(template_name: str, context: Mapping[str, object]) -> str:
    return render_to_string(template_name, dict(context))


def html_to_pdf(html: str, *, fetcher: AssetOnlyFetcher | None = None) -> bytes:
    """Convert trusted-template HTML to PDF bytes with the asset-only fetcher."""
    started = time.perf_counter()
    document = weasyprint.HTML(
        string=html, base_url=BASE_URL, url_fetcher=fetcher or AssetOnlyFetcher()
    )
    pdf = document.write_pdf(
        stylesheets=stylesheets(), font_config=_font_config(), **write_options()
    )
    logger.info(
        "pdf: rendered %d bytes in %.0f ms",
        len(pdf),
        (time.perf_counter() - started) * 1000,
    )
    return pdf


def render_pdf(template_name: str, context: Mapping[str, object]) -> bytes:
    return html_to_pdf(render_html(template_name, context))


def harfbuzz_subsetting_available() -> bool:
    """True when WeasyPrint subsets fonts with HarfBuzz (libharfbuzz-subset0 loaded);
    without it, it falls back to fontTools, about 1.5-2x slower per packet."""
    hb = weasyprint_ffi.harfbuzz
    return bool(weasyprint_ffi.harfbuzz_subset) and bool(hb.hb_version_atleast(4, 1, 0))


@functools.cache
def renderer_version() -> str:
    """What turns the same HTML into other bytes: WeasyPrint, pydyf, the font
    subsetter, and every file in ``ASSET_DIR`` (print.css, the fonts), by content."""
    assets = hashlib.sha256()
    for path in sorted(ASSET_DIR.rglob("*")):
        if path.is_file():
            assets.update(path.relative_to(ASSET_DIR).as_posix().encode() + b"\0")
            assets.update(path.read_bytes())
    subsetter = "hb" if harfbuzz_subsetting_available() else "fonttools"
    return (
        f"weasyprint-{weasyprint.__version__}/pydyf-{pydyf.__version__}/{subsetter}"
        f"/assets-{assets.hexdigest()[:16]}"
    )


def packet_inputs_digest(
    *, html: str, template: str, extra_inputs: Iterable[tuple[str, str]] = ()
) -> str:
    """SHA-256 (hex) over everything a packet PDF is made from: the rendered HTML,
    the template's name, the renderer (``renderer_version``) and ``extra_inputs``.

    ``extra_inputs`` are ``(name, sha256 hex)`` pairs for files merged into the
    packet besides the HTML (e.g. ``("attachment:mri-report.pdf", "ab12...")``):
    whatever else ends up in the PDF must be named here, or an edit to it would be
    served from a stale rendition. Their order is part of the digest (the packet's
    order). The rendition cache keys drafts by this value (services.renditions).
    """
    digest = hashlib.sha256()
    for part in (
        "packet-inputs-v1",
        template,
        renderer_version(),
        hashlib.sha256(html.encode()).hexdigest(),
    ):
        digest.update(part.encode() + b"\0")
    for name, sha in extra_inputs:
        digest.update(f"{name}\0{sha}\0".encode())
    return digest.hexdigest()


def pdf_filename(*, request_id: int | str, revision: int, kind: str) -> str:
    """Download name with no PHI: ``request-12-rev2-draft.pdf``."""
    safe_kind = "".join(ch for ch in kind if ch.isalnum()) or "pdf"
    return f"request-{int(request_id)}-rev{int(revision)}-{safe_kind}.pdf"
