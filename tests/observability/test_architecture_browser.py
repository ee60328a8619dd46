"""The architecture page in a real browser (Debian's chromium, driven by Playwright): the graph, and a domain selected.

A screenshot of the page with catalog selected is kept in .artifacts/architecture.png.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from playwright.sync_api import Browser, expect, sync_playwright

from conftest import require_server
from domains.identity.models import User
from shared.boundaries.domains import domain_apps
from shared.interfaces import registry
from tests.observability.servers import Gunicorn, start_runserver
from tests.reliability.processes import database_url

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the server must see the staff account the test creates
    pytest.mark.postgres,
    pytest.mark.processes,
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
INSTALL_CHROMIUM = (
    "Debian's chromium at /usr/bin/chromium (`apt-get install -y chromium`; `make check` installs it as root)"
)
ARTIFACTS = Path(settings.BASE_DIR) / ".artifacts"
EMAIL, PASSWORD = "architect@example.com", "a-long-passw0rd!"
DRAWN_MS = 30_000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Gunicorn]:
    # Hashed as the server hashes (the tests' own settings use a fast hasher the server does not know).
    hasher = PBKDF2PasswordHasher()
    User.objects.create_superuser(EMAIL, password=None)
    User.objects.filter(email=EMAIL).update(password=hasher.encode(PASSWORD, hasher.salt()))
    running = start_runserver(env={"DATABASE_URL": database_url(connection)}, log_dir=tmp_path)
    yield running
    running.stop()


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        require_server(INSTALL_CHROMIUM)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_the_page_draws_every_domain_and_shows_the_operations_of_the_one_selected(
    server: Gunicorn, browser: Browser
) -> None:
    domains = sorted(app.label for app in domain_apps())
    catalog_operations = sorted(registry.get("catalog").meta.operations)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})

    # a staff member logs in to the admin, and is sent on to the page
    page.goto(f"{server.url}/architecture/")
    page.fill("input[name=username]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("body")).to_have_attribute("data-graph", "ready", timeout=DRAWN_MS)

    # the graph has a node per domain, named
    nodes = page.locator("#graph svg g.node")
    expect(nodes).to_have_count(len(domains))
    assert sorted(text.strip() for text in nodes.all_text_contents()) == [f"{d}local" for d in domains]
    expect(page.locator("#domain-catalog")).to_be_hidden()

    # selecting catalog in the picture shows its operations, and only catalog's
    page.locator("#graph svg g.node", has_text="catalog").click()
    panel = page.locator("#domain-catalog")
    expect(panel).to_be_visible()
    assert panel.locator("td.operation").all_inner_texts() == catalog_operations
    expect(page.locator("#domain-orders")).to_be_hidden()
    assert page.url.endswith("/architecture/#catalog")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "architecture.png"), full_page=True)
    assert (ARTIFACTS / "architecture.png").stat().st_size > 10_000
