"""Real-browser tests: Playwright drives Debian's chromium against a live server.

These run in the normal test command. A machine without /usr/bin/chromium fails
them loudly (they are required in CI), unless PRIORAUTH_SKIP_BROWSER=1 is set on
purpose for a quick local run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop; the ORM calls made by fixtures on this
# thread are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium_path() -> str:
    path = os.environ.get("PRIORAUTH_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists() and not shutil.which(path):
        if os.environ.get("PRIORAUTH_SKIP_BROWSER") == "1":
            pytest.skip("browser tests skipped on request (PRIORAUTH_SKIP_BROWSER=1)")
        pytest.fail(
            f"chromium not found at {path}: run `make test` (installs Debian's chromium)"
        )
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    path = _chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def shoot(request):
    """shoot(page, "step-name"): save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test_name = request.node.name.replace("/", "_")

    def _shoot(page, step: str) -> Path:
        target = ARTIFACTS / f"{test_name}--{step}.png"
        page.screenshot(path=str(target), full_page=True)
        return target

    return _shoot


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
