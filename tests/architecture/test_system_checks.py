"""The boundary system checks: each id fires on its violation and stays quiet on the project."""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Protocol

import pytest
from django.core.management import call_command
from django.db import models
from django.test.utils import isolate_apps

from domains.catalog.models import Product
from shared.boundaries.checks import (
    INTERFACE_UNBOUND_HINT,
    check_cross_domain_migrations,
    check_cross_domain_relations,
    check_interfaces,
    check_placement,
    interface_module_errors,
    migration_errors,
    relation_errors,
)
from shared.bus.bus import Bus
from shared.bus.checks import check_subscriptions
from shared.bus.runtime import use_bus
from shared.bus.subscriptions import Router, Subscription
from shared.interfaces import Interface, Registry
from tests.kernel.sample import Pinged, SampleApi


def ids(messages: list) -> list[str]:
    return [m.id for m in messages]


def test_the_project_passes_every_boundary_check() -> None:
    assert check_cross_domain_relations() == []
    assert check_interfaces() == []
    assert check_cross_domain_migrations() == []
    assert check_placement() == []
    assert check_subscriptions() == []
    call_command("check", fail_level="WARNING")


@pytest.mark.parametrize(
    "relation",
    [
        pytest.param(lambda: models.ForeignKey("identity.Owner", on_delete=models.CASCADE), id="foreign-key-by-string"),
        pytest.param(lambda: models.OneToOneField("identity.Owner", on_delete=models.CASCADE), id="one-to-one"),
        pytest.param(lambda: models.ManyToManyField("identity.Owner"), id="many-to-many"),
    ],
)
@isolate_apps("domains.catalog", "domains.identity", "shared.bus")
def test_e001_a_relation_into_another_domain_is_an_error(relation) -> None:  # type: ignore[no-untyped-def]
    class Owner(models.Model):
        class Meta:
            app_label = "identity"

    class Shelf(models.Model):
        owner = relation()

        class Meta:
            app_label = "catalog"

    errors = relation_errors([Owner, Shelf])

    assert ids(errors) == ["modulith.E001"]
    assert errors[0].msg.startswith("catalog.Shelf.owner is a ")
    assert errors[0].msg.endswith(" to identity.Owner, a model of domain 'identity'.")
    assert "owner_id = models.UUIDField(db_index=True)" in errors[0].hint


@isolate_apps("domains.catalog", "shared.bus")
def test_e001_relations_inside_a_domain_and_into_the_kernel_are_no_e001() -> None:
    """Within a domain is fine; into the kernel is E060's business (tests/architecture/test_source_rules.py)."""

    class Aisle(models.Model):
        class Meta:
            app_label = "catalog"

    class Note(models.Model):
        class Meta:
            app_label = "bus"

    class Shelf(models.Model):
        aisle = models.ForeignKey(Aisle, on_delete=models.CASCADE)
        note = models.ForeignKey(Note, on_delete=models.CASCADE)

        class Meta:
            app_label = "catalog"

    assert relation_errors([Aisle, Shelf]) == []


def fake_interface_module(**names: object) -> types.ModuleType:
    module = types.ModuleType("domains.fake.interface")
    module.__dict__.update(names)
    return module


@dataclass(frozen=True)
class LeakyDTO:
    product: Product


class LeakyApi(Protocol):
    def products(self, *, sku: str) -> models.QuerySet[Product]: ...


@pytest.mark.parametrize(
    ("names", "exposed"),
    [
        pytest.param({"Product": Product}, "the name Product = domains.catalog.models.Product", id="model-re-exported"),
        pytest.param({"LeakyDTO": LeakyDTO}, "in LeakyDTO domains.catalog.models.Product", id="model-in-dto"),
        pytest.param({"LeakyApi": LeakyApi}, "in LeakyApi django.db.models.query.QuerySet", id="queryset-in-operation"),
    ],
)
def test_e002_an_interface_exposing_an_orm_type_is_an_error(names: dict[str, object], exposed: str) -> None:
    errors = interface_module_errors(fake_interface_module(**names))

    assert ids(errors) == ["modulith.E002"]
    assert errors[0].msg == f"domains.fake.interface exposes {exposed}, a Django ORM type."


def test_e003_an_interface_nobody_binds_is_an_error() -> None:
    errors = interface_module_errors(fake_interface_module(sample=Interface("sample", SampleApi)))

    assert ids(errors) == ["modulith.E003"]
    assert errors[0].msg == "Interface 'sample' declared in domains.fake.interface is not bound to any implementation."
    assert errors[0].hint == INTERFACE_UNBOUND_HINT.format(name="sample", title="Sample")


def test_e004_a_migration_depending_on_another_domain_is_an_error() -> None:
    errors = migration_errors(
        [
            (
                ("catalog", "0002_owner"),
                [("catalog", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")],
            ),
            (("catalog", "0003_owner_fk"), [("catalog", "0002_owner"), ("identity", "0001_initial")]),
        ]
    )

    assert ids(errors) == ["modulith.E004"]
    assert errors[0].msg == ("Migration catalog.0003_owner_fk depends on identity.0001_initial of domain 'identity'.")


def test_e010_a_subscription_to_an_undeclared_event_is_an_error() -> None:
    bus = Bus(
        registry=Registry(),  # declares nothing, so sample.Pinged is unknown
        router=Router([Subscription(id="sample.listen", event=Pinged, handler=lambda event: None)]),
    )

    with use_bus(bus):
        errors = check_subscriptions()

    assert ids(errors) == ["modulith.E010"]
    assert errors[0].msg == (
        "Subscription 'sample.listen' listens to sample.Pinged.v1, which no registered interface declares. "
        "Subscribe only to events listed in another domain's interface."
    )
