"""`/` is a page for a person: what runs, where each domain is placed, and links that all lead somewhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client, override_settings

from shared.architecture.home import HERE, VIA_REGISTRY
from shared.placement import parse_placement

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    """The links of a page, and the text of each domain's row."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts = 0
        self.rows: dict[str, list[str]] = {}
        self._row: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag == "script":
            self.scripts += 1
        if tag == "tr" and found.get("data-domain"):
            self._row = str(found["data-domain"])
            self.rows[self._row] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._row is not None and data.strip():
            self.rows[self._row].append(data.strip())


def page(client: Client) -> _Page:
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    parsed = _Page()
    parsed.feed(response.content.decode())
    return parsed


def test_the_home_page_shows_every_domain_where_it_runs_and_the_release(client: Client) -> None:
    shown = page(client)
    text = client.get("/").content.decode()

    assert list(shown.rows) == list(settings.DOMAINS)
    assert [row[2] for row in shown.rows.values()] == [HERE] * len(settings.DOMAINS)
    assert shown.rows["orders"][3] == "/api/orders/"
    assert shown.rows["catalog"][1].startswith("The catalog")
    assert re.search(r'id="release">\d+\.\d+\.\d+<', text)
    assert f'id="api-version">{settings.SPECTACULAR_SETTINGS["VERSION"]}<' in text
    assert shown.scripts == 0


def test_a_domain_placed_elsewhere_is_shown_with_its_service(client: Client) -> None:
    placement = parse_placement("catalog=http://10.0.0.5:8000,billing=registry", domains=settings.DOMAINS)

    with override_settings(DOMAIN_PLACEMENT=placement):
        shown = page(client)

    assert shown.rows["catalog"][2] == "http://10.0.0.5:8000"
    assert shown.rows["billing"][2] == VIA_REGISTRY
    assert shown.rows["orders"][2] == HERE


def test_every_link_of_the_home_page_leads_somewhere(client: Client) -> None:
    links = page(client).links

    assert {"/api/docs/", "/api/redoc/", "/api/schema/", "/admin/", "/architecture/", "/healthz/ready"} <= set(links)
    answers = {link: client.get(link).status_code for link in links}
    # The admin and the architecture page send a visitor to the admin's login first.
    assert answers == {link: 302 if link in ("/admin/", "/architecture/") else 200 for link in links}


@pytest.mark.parametrize(("public", "token", "shown"), [(True, "", True), (False, "", False), (True, "secret", False)])
def test_metrics_are_linked_only_when_anyone_may_read_them(
    client: Client, public: bool, token: str, shown: bool
) -> None:
    with override_settings(METRICS_PUBLIC=public, METRICS_TOKEN=token):
        links = page(client).links

    assert ("/metrics" in links) is shown
