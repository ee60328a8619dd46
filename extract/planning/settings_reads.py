"""Settings a domain reads, found in its source, and the environment variables config/settings.py takes them from.

What the extracted service's settings must carry beyond the kernel's. Read: `settings.X`
and `getattr(settings, "X")` on django.conf's settings, and `os.environ[...]`,
`os.environ.get(...)`, `os.getenv(...)` (listed as `$NAME`). Migrations count: they run
in the service too.
"""

from __future__ import annotations

import ast
import importlib.util
from collections import defaultdict
from pathlib import Path

from extract.planning.report import Location, SettingRead
from extract.planning.source import Source, SourceModule, dotted

SETTINGS_OBJECT = ("django.conf", "settings")
ENVIRONMENT_READERS = {"os.getenv", "os.environ.get", "environ.get", "getenv"}


def settings_reads(source: Source, domain: str, settings_module: str) -> tuple[SettingRead, ...]:
    found: dict[str, list[Location]] = defaultdict(list)
    for module in source.owned_by(domain, migrations=True):
        for name, where in _reads(module):
            found[name].append(where)
    variables = environment_of(settings_module)
    return tuple(
        SettingRead(
            setting=name,
            where=tuple(sorted(set(places), key=lambda at: (at.path, at.line))),
            environment=(name[1:],) if name.startswith("$") else variables.get(name, ()),
        )
        for name, places in sorted(found.items())
    )


def _reads(module: SourceModule) -> list[tuple[str, Location]]:
    found: list[tuple[str, Location]] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute) and _is_settings(module, node.value):
            found.append((node.attr, module.at(node)))
        elif isinstance(node, ast.Call):
            name = dotted(node.func)
            first = node.args[0] if node.args else None
            text = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
            if name == "getattr" and len(node.args) >= 2 and _is_settings(module, node.args[0]):
                second = node.args[1]
                if isinstance(second, ast.Constant) and isinstance(second.value, str):
                    found.append((second.value, module.at(node)))
            elif name in ENVIRONMENT_READERS and text:
                found.append((f"${text}", module.at(node)))
        elif isinstance(node, ast.Subscript) and dotted(node.value) in {"os.environ", "environ"}:
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.append((f"${key.value}", module.at(node)))
    return found


def _is_settings(module: SourceModule, node: ast.expr) -> bool:
    return module.imports.origin(node) == SETTINGS_OBJECT or dotted(node) == "django.conf.settings"


def environment_of(settings_module: str) -> dict[str, tuple[str, ...]]:
    """Setting -> the environment variables its assignment in the settings module reads (env.x("NAME", ...))."""
    spec = importlib.util.find_spec(settings_module)
    if spec is None or spec.origin is None:
        return {}
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    found: dict[str, tuple[str, ...]] = {}
    for statement in tree.body:
        if not isinstance(statement, ast.Assign | ast.AnnAssign) or statement.value is None:
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        variables = tuple(
            dict.fromkeys(
                call.args[0].value
                for call in ast.walk(statement.value)
                if isinstance(call, ast.Call)
                and (dotted(call.func) or "").split(".")[0] == "env"
                and call.args
                and isinstance(call.args[0], ast.Constant)
                and isinstance(call.args[0].value, str)
            )
        )
        for target in targets:
            if isinstance(target, ast.Name) and variables:
                found[target.id] = variables
    return found
