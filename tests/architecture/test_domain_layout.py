"""Every domain app has the anatomy of ../shared/ARCHITECTURE.md's "A domain app".

A newcomer finds the same files in the same places in every domain, and extraction
tooling can rely on them: the interface, the use cases, the tables, the wiring to other
domains' events, the REST endpoints, the admin, the migrations and the domain's tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps

REQUIRED = (
    "interface.py",
    "services.py",
    "selectors.py",
    "models.py",
    "handlers.py",
    "http/urls.py",
    "http/views.py",
    "http/serializers.py",
    "admin.py",
    "apps.py",
    "migrations/0001_initial.py",
    "tests/__init__.py",
)

DOMAINS = sorted(
    (config.label, Path(config.path)) for config in apps.get_app_configs() if config.name.startswith("domains.")
)


def test_the_six_domains_of_the_shop_are_installed() -> None:
    assert [label for label, _ in DOMAINS] == ["billing", "cart", "catalog", "identity", "notifications", "orders"]


@pytest.mark.parametrize(("label", "path"), DOMAINS, ids=[label for label, _ in DOMAINS])
def test_a_domain_has_every_part_of_a_domain_app(label: str, path: Path) -> None:
    missing = [part for part in REQUIRED if not (path / part).is_file()]

    assert missing == [], f"domains/{label} lacks {', '.join(missing)}; see ARCHITECTURE.md, 'A domain app'"
    assert any(path.glob("tests/test_*.py")), f"domains/{label}/tests holds no test module"
