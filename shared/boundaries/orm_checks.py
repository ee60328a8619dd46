"""Django system checks E060-E064: the ORM coupling that imports do not show.

E060  a domain's model relates to a kernel table (bus, api, auth, contenttypes, sessions, ...)
E061  apps.get_model of another domain's model
E062  a signal receiver on another domain's model
E063  a Celery task not named for its own domain, or sent by another domain's task name
E064  a test outside domains/ imports a domain's private module

E060 reads the installed models (so a relation made with a class, or inherited, counts);
E061-E064 read this project's files (shared/boundaries/source_rules.py), as
`manage.py boundaries check` does for any tree.

One relation into the kernel is allowed: the domain that owns the user model
(settings.AUTH_USER_MODEL, identity here) relates it to auth's groups and permissions
(PermissionsMixin). Those auth tables are that domain's in practice: they live with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models

from shared.boundaries.domains import domain_model_relations, is_domain_app
from shared.boundaries.source import SourceTree
from shared.boundaries.source_rules import KERNEL_RELATION_FIX, tree_violations

SOURCE_CHECKS = frozenset({"modulith.E061", "modulith.E062", "modulith.E063", "modulith.E064"})
"""The source rules run as system checks; E001/E004/E060 come from the models and migration graph instead."""

MODEL_KERNEL_RELATION = "{model}.{field} is a {kind} to {target}, a kernel table (app {label!r})."
USER_MODEL_APP = "auth"
"""The kernel app whose tables the user model's domain may relate to (groups, permissions)."""


def check_kernel_relations(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return kernel_relation_errors(apps.get_models(include_auto_created=False))


def kernel_relation_errors(model_classes: Iterable[type[models.Model]]) -> list[checks.CheckMessage]:
    """E060 for every relation field from a domain's model into a model of a non-domain app."""
    user_app = settings.AUTH_USER_MODEL.split(".", 1)[0]
    return [
        checks.Error(
            MODEL_KERNEL_RELATION.format(
                model=model._meta.label,
                field=field.name,
                kind=type(field).__name__,
                target=target._meta.label,
                label=target._meta.app_config.label,
            ),
            hint=KERNEL_RELATION_FIX,
            obj=field,
            id="modulith.E060",
        )
        for model, field, target in domain_model_relations(model_classes)
        # Another domain is E001's; its own is fine; the user model's domain may relate to auth.
        if not is_domain_app(target._meta.app_config)
        and not (model._meta.app_label == user_app and target._meta.app_config.label == USER_MODEL_APP)
    ]


def check_source_rules(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return source_rule_errors(Path(settings.BASE_DIR))


def source_rule_errors(root: Path) -> list[checks.CheckMessage]:
    """E061-E064 over the files of the project at `root`."""
    return [
        checks.Error(
            violation.message, hint=violation.fix, obj=f"{violation.file}:{violation.line}", id=violation.check
        )
        for violation in tree_violations(SourceTree(root))
        if violation.check in SOURCE_CHECKS
    ]
