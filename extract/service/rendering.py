"""The service's own files, rendered from templates/ with Django's template engine (no autoescaping: not HTML)."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.template import Context, Engine

from extract.planning import SettingRead

TEMPLATES = Path(__file__).resolve().parent / "templates"
RENDERED = {
    "README.md.tmpl": "README.md",
    "pyproject.toml.tmpl": "pyproject.toml",
    "Makefile.tmpl": "Makefile",
    "Procfile.tmpl": "Procfile",
    "Dockerfile.tmpl": "Dockerfile",
    "dockerignore.tmpl": ".dockerignore",
    "gitignore.tmpl": ".gitignore",
    "config/service.env.tmpl": "config/service.env",
}
"""Template -> where it goes in the service (named .tmpl here, so that no tool reads a template as its own file)."""
FIRST_PORT = 8011
ENGINE = Engine(dirs=[str(TEMPLATES)], autoescape=False, string_if_invalid="<<missing {%s}>>")


def service_env(*, domain: str, domains: Sequence[str], monolith_url: str) -> list[str]:
    """The service's placement defaults: it runs `domain`; every other domain runs at the monolith."""
    others = [other for other in domains if other != domain]
    lines = [
        f"MODULITH_DOMAINS={domain}",
        "DOMAIN_PLACEMENT=" + ",".join(f"{other}={monolith_url}" for other in others),
        f"SERVICE_NAME={domain}",
    ]
    if domain != "identity":
        lines.append(f"AUTH_JWKS_URL={monolith_url}/.well-known/jwks.json")
    return lines


def render(
    *,
    domain: str,
    domains: Sequence[str],
    monolith_url: str,
    kernel_version: str,
    kernel_wheel: str,
    settings: Sequence[SettingRead],
    project: Mapping[str, Any],
) -> dict[str, bytes]:
    """The service's own files: path -> content."""
    ruff = project["tool"]["ruff"]
    env_lines = service_env(domain=domain, domains=domains, monolith_url=monolith_url)
    context = {
        "domain": domain,
        "monolith_url": monolith_url,
        "host": f"127.0.0.1:{FIRST_PORT + list(domains).index(domain)}",
        "kernel_version": kernel_version,
        "kernel_wheel": kernel_wheel,
        "settings": settings,
        "service_env_lines": env_lines,
        "service_env": "\n".join(env_lines),
        "requires_python": project["project"]["requires-python"],
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        "dev_requirements": project["project"]["optional-dependencies"]["dev"],
        "ruff_line_length": ruff["line-length"],
        "ruff_target": ruff["target-version"],
        "ruff_select": ruff["lint"]["select"],
        "ruff_ignore": ruff["lint"]["ignore"],
    }
    return {
        target: ENGINE.get_template(template).render(Context(context, autoescape=False)).encode()
        for template, target in RENDERED.items()
    }


def read_project(root: Path) -> dict[str, Any]:
    """The monolith's pyproject.toml: its Python range, dev tools and ruff rules are the service's too."""
    with (root / "pyproject.toml").open("rb") as project:
        return tomllib.load(project)
