"""The ORM coupling rules read from the source: each fires on its deliberate violation, with its fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import models
from django.test.utils import isolate_apps

from shared.boundaries.orm_checks import check_kernel_relations, check_source_rules, kernel_relation_errors
from shared.boundaries.source import SourceTree
from shared.boundaries.source_rules import (
    FOREIGN_SIGNAL_FIX,
    GET_MODEL_FIX,
    KERNEL_RELATION_FIX,
    MIGRATION_DEPENDENCY_FIX,
    RELATION_BY_STRING_FIX,
    TASK_OF_OTHER_DOMAIN_FIX,
    TASK_UNNAMED_FIX,
    TEST_PRIVATE_FIX,
    tree_violations,
)
from tests.architecture.source_trees import write_tree


def found(root: Path) -> list[tuple[str, str, str, int, str, str]]:
    return [(v.check, v.domain, v.file, v.line, v.message, v.fix) for v in tree_violations(SourceTree(root))]


@pytest.mark.parametrize(
    ("source", "check", "message", "fix", "line"),
    [
        pytest.param(
            """\
            from django.db import models
            class Shelf(models.Model):
                product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE)
            """,
            "modulith.E001",
            "ForeignKey to 'catalog.Product' points into domain 'catalog'.",
            RELATION_BY_STRING_FIX.format(other="catalog"),
            3,
            id="E001-foreign-key-by-string",
        ),
        pytest.param(
            """\
            from django.db import models
            class Shelf(models.Model):
                products = models.ManyToManyField(to="catalog.Product")
            """,
            "modulith.E001",
            "ManyToManyField to 'catalog.Product' points into domain 'catalog'.",
            RELATION_BY_STRING_FIX.format(other="catalog"),
            3,
            id="E001-many-to-many-by-keyword",
        ),
        pytest.param(
            """\
            from django.db import models
            class Shelf(models.Model):
                event = models.OneToOneField("bus.StoredEvent", on_delete=models.CASCADE)
            """,
            "modulith.E060",
            "OneToOneField to 'bus.StoredEvent' points into a table no domain owns (bus).",
            KERNEL_RELATION_FIX,
            3,
            id="E060-one-to-one-into-the-bus",
        ),
        pytest.param(
            """\
            from django.conf import settings
            from django.db import models
            class Shelf(models.Model):
                owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            """,
            "modulith.E060",
            "ForeignKey to settings.AUTH_USER_MODEL points into a table no domain owns (the user model).",
            KERNEL_RELATION_FIX,
            4,
            id="E060-the-user-model",
        ),
        pytest.param(
            """\
            from django.apps import apps
            def total():
                return apps.get_model("catalog", "Product").objects.count()
            """,
            "modulith.E061",
            "apps.get_model('catalog', 'Product') reaches the models of domain 'catalog'.",
            GET_MODEL_FIX.format(other="catalog"),
            3,
            id="E061-get-model",
        ),
        pytest.param(
            """\
            from django.db.models.signals import post_save
            from django.dispatch import receiver
            from domains.catalog.models import Product
            @receiver(post_save, sender=Product)
            def reprice(sender, **kwargs): ...
            """,
            "modulith.E062",
            "A receiver of post_save listens to Product, a model of domain 'catalog'.",
            FOREIGN_SIGNAL_FIX.format(other="catalog"),
            4,
            id="E062-receiver-decorator",
        ),
        pytest.param(
            """\
            from django.db.models.signals import pre_delete
            def forget(sender, **kwargs): ...
            pre_delete.connect(forget, sender="catalog.Product")
            """,
            "modulith.E062",
            "A receiver of pre_delete listens to 'catalog.Product', a model of domain 'catalog'.",
            FOREIGN_SIGNAL_FIX.format(other="catalog"),
            3,
            id="E062-connect-by-string",
        ),
        pytest.param(
            """\
            from celery import shared_task
            @shared_task(name="catalog.reindex")
            def reindex(): ...
            """,
            "modulith.E063",
            "Celery task name 'catalog.reindex' belongs to domain 'catalog'.",
            TASK_OF_OTHER_DOMAIN_FIX.format(other="catalog", domain="orders"),
            2,
            id="E063-task-named-for-another-domain",
        ),
        pytest.param(
            """\
            from celery import shared_task
            @shared_task
            def reindex(): ...
            """,
            "modulith.E063",
            "Celery task reindex is not named for domain 'orders' (no name= given).",
            TASK_UNNAMED_FIX.format(domain="orders", function="reindex"),
            2,
            id="E063-task-without-a-name",
        ),
        pytest.param(
            """\
            from config.celery import app
            def nudge():
                app.send_task("catalog.reindex")
            """,
            "modulith.E063",
            "Celery task name 'catalog.reindex' belongs to domain 'catalog'.",
            TASK_OF_OTHER_DOMAIN_FIX.format(other="catalog", domain="orders"),
            3,
            id="E063-sending-another-domains-task",
        ),
    ],
)
def test_a_rule_fires_on_its_violation_in_domain_code(
    tmp_path: Path, source: str, check: str, message: str, fix: str, line: int
) -> None:
    root = write_tree(tmp_path, {"domains/orders/models.py": source})

    assert found(root) == [(check, "orders", "domains/orders/models.py", line, message, fix)]


def test_e004_a_migration_depending_on_another_domain(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "domains/orders/migrations/__init__.py": "",
            "domains/orders/migrations/0002_lines.py": """\
                from django.db import migrations
                class Migration(migrations.Migration):
                    dependencies = [("orders", "0001_initial"), ("catalog", "0003_stock"), ("bus", "0001_initial")]
                    operations = []
                """,
        },
    )

    assert found(root) == [
        (
            "modulith.E004",
            "orders",
            "domains/orders/migrations/0002_lines.py",
            3,
            "This migration depends on ('catalog', '0003_stock'), a migration of domain 'catalog'.",
            MIGRATION_DEPENDENCY_FIX,
        )
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param("from domains.catalog.models import Product\n", "domains.catalog.models", id="from-models"),
        pytest.param("from domains.catalog import services\n", "domains.catalog.services", id="from-package"),
        pytest.param("import domains.catalog.selectors as s\n", "domains.catalog.selectors", id="import-as"),
        pytest.param(
            "from domains.catalog.tests.factories import make\n", "domains.catalog.tests.factories", id="factory"
        ),
    ],
)
def test_e044_a_flow_test_importing_a_private_module(tmp_path: Path, source: str, message: str) -> None:
    root = write_tree(tmp_path, {"tests/flows/test_shop.py": source})

    assert found(root) == [
        (
            "modulith.E064",
            "catalog",
            "tests/flows/test_shop.py",
            1,
            f"This test imports {message}, a private module of domain 'catalog'.",
            TEST_PRIVATE_FIX.format(other="catalog"),
        )
    ]


def test_e044_a_flow_test_fetching_a_model(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path, {"tests/flows/test_shop.py": "from django.apps import apps\nP = apps.get_model('catalog.Product')\n"}
    )

    assert [(v[0], v[4]) for v in found(root)] == [
        ("modulith.E064", "This test fetches a model of domain 'catalog' (get_model('catalog.Product')).")
    ]


def test_what_the_rules_allow(tmp_path: Path) -> None:
    """Interfaces, one's own models and tasks, kernel migrations, allow-listed white-box tests."""
    root = write_tree(
        tmp_path,
        {
            "domains/orders/models.py": """\
                from django.db import models
                class Order(models.Model): ...
                class Line(models.Model):
                    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE)
                    parent = models.ForeignKey("self", on_delete=models.CASCADE)
                    sibling = models.ForeignKey(Order, on_delete=models.CASCADE)
                """,
            "domains/orders/tasks.py": """\
                from celery import shared_task
                from django.apps import apps
                from django.db.models.signals import post_save
                from django.dispatch import receiver
                from domains.orders.models import Order
                @shared_task(name="orders.expire")
                def expire():
                    return apps.get_model("orders", "Order")
                @receiver(post_save, sender=Order)
                def audited(sender, **kwargs): ...
                """,
            "domains/orders/migrations/0001_initial.py": "dependencies = [('bus', '0001_initial')]\n",
            "tests/flows/test_shop.py": "from domains.catalog.interface import catalog\n",
            "tests/kernel/test_rows.py": "from domains.catalog.models import Product\n",
        },
    )

    assert found(root) == []


@isolate_apps("domains.catalog", "shared.bus", "shared.api")
def test_e040_a_model_relating_to_kernel_tables(settings) -> None:  # type: ignore[no-untyped-def]
    settings.AUTH_USER_MODEL = "identity.User"

    class StoredEvent(models.Model):
        class Meta:
            app_label = "bus"

    class Key(models.Model):
        class Meta:
            app_label = "api"

    class Shelf(models.Model):
        event = models.ForeignKey(StoredEvent, on_delete=models.CASCADE)
        keys = models.ManyToManyField(Key)

        class Meta:
            app_label = "catalog"

    errors = kernel_relation_errors([StoredEvent, Key, Shelf])

    assert [(e.id, e.msg, e.hint) for e in errors] == [
        (
            "modulith.E060",
            "catalog.Shelf.event is a ForeignKey to bus.StoredEvent, a kernel table (app 'bus').",
            KERNEL_RELATION_FIX,
        ),
        (
            "modulith.E060",
            "catalog.Shelf.keys is a ManyToManyField to api.Key, a kernel table (app 'api').",
            KERNEL_RELATION_FIX,
        ),
    ]


def test_the_project_passes_the_new_checks() -> None:
    """Identity's user relates to auth's groups and permissions (PermissionsMixin): the one allowed relation."""
    assert check_kernel_relations() == []
    assert check_source_rules() == []
