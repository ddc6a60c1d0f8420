"""`make serve`: gunicorn with production settings, its secret key and WhiteNoise.

The end-to-end case starts ``python -m priorauth.ops.serve`` (what `make serve` runs)
on a free port with a throw-away SQLite file and static root, as a deployment
would: migrations, collectstatic, gunicorn.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from priorauth.ops import serve
from tests.conftest import ROOT

PROXY = {"X-Forwarded-Proto": "https"}


# --------------------------------------------------------------------------- secret key


def test_it_generates_a_private_secret_key_once(tmp_path):
    path = tmp_path / "var" / "secret_key"
    env, created = serve.production_env({}, secret_key_file=path)
    assert created is True
    assert env["PRIORAUTH_SECRET_KEY_FILE"] == str(path)
    assert env["PRIORAUTH_DEBUG"] == "0"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().strip()
    assert len(key) >= 50 and not key.startswith("django-insecure-")
    _, created_again = serve.production_env({}, secret_key_file=path)
    assert created_again is False and path.read_text().strip() == key


@pytest.mark.parametrize(
    "given",
    [{"PRIORAUTH_SECRET_KEY": "x" * 60}, {"PRIORAUTH_SECRET_KEY_FILE": "/run/key"}],
)
def test_a_configured_secret_key_is_used_and_nothing_is_written(tmp_path, given):
    path = tmp_path / "secret_key"
    env, created = serve.production_env(
        dict(given, PRIORAUTH_DEBUG="1"), secret_key_file=path
    )
    assert created is False and not path.exists()
    assert {k: env[k] for k in given} == given
    assert env["PRIORAUTH_DEBUG"] == "0"  # make serve is always production


def test_it_refuses_a_secret_key_file_others_can_read(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("y" * 60)
    path.chmod(0o644)
    with pytest.raises(SystemExit, match="chmod 600"):
        serve.production_env({}, secret_key_file=path)


# --------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), b""


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """`python -m priorauth.ops.serve` on a free port; yields its base URL."""
    tmp = tmp_path_factory.mktemp("serve")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PRIORAUTH_")
        and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        PRIORAUTH_SECRET_KEY=secrets.token_urlsafe(60),
        PRIORAUTH_SQLITE_PATH=str(tmp / "db.sqlite3"),
        PRIORAUTH_STATIC_ROOT=str(tmp / "static"),
        PRIORAUTH_WARM_WORKER="0",
        PRIORAUTH_WORKERS="1",
    )
    base = f"http://127.0.0.1:{_free_port()}"
    with open(tmp / "serve.log", "w+") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "priorauth.ops.serve",
                "--bind",
                base.removeprefix("http://"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 180
            while server.poll() is None and time.monotonic() < deadline:
                try:
                    if _get(f"{base}/health/")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.3)
            else:
                log.seek(0)
                pytest.fail(f"make serve did not come up:\n{log.read()[-3000:]}")
            yield base, tmp
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def test_plain_http_is_redirected_to_https_but_health_answers(production_server):
    base, _ = production_server
    status, headers, _ = _get(f"{base}/accounts/login/")
    assert status == 301 and headers["Location"].startswith("https://")
    assert _get(f"{base}/health/")[0] == 200


def test_the_login_page_links_hashed_static_files_that_whitenoise_serves(
    production_server,
):
    base, tmp = production_server
    status, headers, body = _get(f"{base}/accounts/login/", **PROXY)
    assert status == 200
    assert "no-store" in headers["Cache-Control"]  # the page itself: never cached
    html = body.decode()
    css = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    js = re.findall(r'<script src="([^"]+)"', html)
    assert len(css) == 2 and js
    for url in css + js:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", url), url
        status, headers, plain = _get(base + url, **PROXY)
        assert status == 200, url
        expected = "text/css" if url.endswith(".css") else "text/javascript"
        assert headers["Content-Type"].startswith(expected)
        assert "max-age=315360000" in headers["Cache-Control"]
        assert "immutable" in headers["Cache-Control"]
        assert "Content-Encoding" not in headers
        collected = tmp / "static" / url.removeprefix("/static/")
        assert plain == collected.read_bytes()
        for encoding in ("br", "gzip"):
            status, headers, packed = _get(
                base + url, **PROXY, **{"Accept-Encoding": encoding}
            )
            assert status == 200 and headers["Content-Encoding"] == encoding
            assert len(packed) < len(plain)
            assert "Accept-Encoding" in headers["Vary"]
    app_css = _get(base + next(u for u in css if "/app." in u), **PROXY)[2].decode()
    assert ".finding-blocker" in app_css  # the real stylesheet, not an error page


def test_test_only_assets_are_not_published(production_server):
    _, tmp = production_server
    assert (tmp / "static" / "staticfiles.json").exists()
    assert not (tmp / "static" / "priorauth" / "vendor" / "axe").exists()


def test_the_server_applied_the_migrations(production_server):
    import sqlite3

    _, tmp = production_server
    with sqlite3.connect(tmp / "db.sqlite3") as db:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert {"priorauth_authrequest", "django_session"} <= names
