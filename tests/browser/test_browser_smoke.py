import pytest

from tests.conftest import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_and_lands_on_the_worklist(page, live_server, billing_user, shoot):
    login(page, live_server, billing_user.username, PASSWORD)
    assert page.url.rstrip("/") == live_server.url
    assert page.get_by_role("heading", name="Worklist").is_visible()
    shoot(page, "worklist")


def test_pages_load_nothing_from_other_hosts(page, live_server, billing_user):
    outside = []
    page.on(
        "request",
        lambda req: outside.append(req.url)
        if not req.url.startswith(live_server.url)
        else None,
    )
    login(page, live_server, billing_user.username, PASSWORD)
    assert outside == []
