"""Check that `make serve` serves the app and its static files in production mode.

    python scripts/smoke_serve.py http://127.0.0.1:8001

Plain HTTP gets the HTTPS redirect (the production default). Requests that carry
`X-Forwarded-Proto: https`, as a TLS proxy in front would send, get the login
page; every stylesheet and script it links has a hashed name and comes back from
WhiteNoise with its content type, a one-year immutable cache header and a
compressed variant, and the stylesheets hold real CSS.
Exits non-zero with a message on the first thing that does not work.
"""

from __future__ import annotations

import re
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser

PROXY = {"X-Forwarded-Proto": "https"}
HASHED = re.compile(r"\.[0-9a-f]{12}\.(css|js)$")


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.css.append(a["href"] or "")
        if tag == "script" and a.get("src"):
            self.js.append(a["src"] or "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, b""


def _wait(base: str) -> bool:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            if _get(f"{base}/health/", {})[0] == 200:
                return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    return False


def main(base: str) -> int:
    if not _wait(base):
        print("smoke-serve: the server did not answer /health/ within 10 minutes")
        return 1
    checks: list[tuple[str, bool]] = []
    status, headers, _ = _get(f"{base}/accounts/login/", {})
    checks.append(
        (
            "plain HTTP is redirected to HTTPS",
            status == 301 and headers.get("location", "").startswith("https://"),
        )
    )
    status, headers, body = _get(f"{base}/accounts/login/", PROXY)
    checks.append(("the login page behind a TLS proxy", status == 200))
    checks.append(
        (
            "HSTS on the login page",
            "max-age=" in headers.get("strict-transport-security", ""),
        )
    )
    page = _Assets()
    page.feed(body.decode("utf-8", "replace"))
    checks.append(("the login page links two stylesheets", len(page.css) == 2))
    for url, kind in [(u, "css") for u in page.css] + [(u, "js") for u in page.js]:
        name = url.rsplit("/", 1)[-1]
        status, headers, body = _get(
            base + url, dict(PROXY, **{"Accept-Encoding": "identity"})
        )
        text = body.decode("utf-8", "replace")
        expected = "text/css" if kind == "css" else "text/javascript"
        checks += [
            (f"{name}: hashed file name", bool(HASHED.search(url))),
            (f"{name}: 200", status == 200),
            (
                f"{name}: {expected}",
                headers.get("content-type", "").startswith(expected),
            ),
            (
                f"{name}: cached for a year, immutable",
                "max-age=315360000" in headers.get("cache-control", "")
                and "immutable" in headers.get("cache-control", ""),
            ),
        ]
        if kind == "css":
            rules = re.findall(r"[.#a-z][^{}]*\{[^{}]*:[^{}]*\}", text)
            checks.append((f"{name}: real CSS ({len(rules)} rules)", len(rules) >= 5))
        for encoding in ("br", "gzip"):
            status, headers, packed = _get(
                base + url, dict(PROXY, **{"Accept-Encoding": encoding})
            )
            checks.append(
                (
                    f"{name}: {encoding} variant, smaller",
                    status == 200
                    and headers.get("content-encoding") == encoding
                    and 0 < len(packed) < len(body),
                )
            )
    for name, ok in checks:
        print(f"smoke-serve: {'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8001"))
