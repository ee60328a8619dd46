"""DOMAIN_DATABASES: which domains have a database of their own, and where.

    DOMAIN_DATABASES=catalog=postgres://db1/catalog,orders=postgres://db2/orders
    DOMAIN_DATABASES=catalog,orders     each in `<DATABASE_URL's name>_<domain>` beside it
    DOMAIN_DATABASES=*                  every domain so (what `make test-wire` runs on PostgreSQL)
    DOMAIN_DATABASES=                   (unset) one database for everything

Each domain listed gets a Django database alias named after it; a domain not listed stays on
"default". A URL is read like DATABASE_URL (django-environ). A name without a URL derives one
from DATABASE_URL: on PostgreSQL the database `<name>_<domain>` on the same server, on SQLite
the file `<stem>_<domain><suffix>` beside it, so runs with different DATABASE_URLs never share
a domain's database.

What settings refuse here (a typo must stop the start, not route a domain to "default"): an
entry that is not `<domain>`, `<domain>=<url>` or `*`, a URL django-environ cannot read, a
domain listed twice, the name "default". The system checks (shared.db.checks) refuse what
needs the installed apps to see: an unknown domain, an engine the bus cannot run on, two
aliases on one database.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS

EVERY_DOMAIN = "*"
_ENTRY = re.compile(r"^(?P<domain>[a-z][a-z0-9_]*)(?:=(?P<url>.+))?$")
# Entries are comma-separated; a comma inside a URL (a query option) is not followed by `<name>=`.
_SEPARATOR = re.compile(r",\s*(?=\*|[a-z][a-z0-9_]*\s*(?:=|,|$))")

ENTRY_INVALID = (
    "DOMAIN_DATABASES entry {entry!r} is not `<domain>=<database URL>`, `<domain>` or `*`. Example: "
    "DOMAIN_DATABASES=catalog=postgres://postgres@127.0.0.1:5432/shop_catalog,orders"
)
URL_INVALID = "DOMAIN_DATABASES gives domain {domain!r} the URL {url!r}, which is no database URL ({error}). {example}"
URL_EXAMPLE = (
    "Write it as DATABASE_URL is written, e.g. postgres://user@host:5432/name or sqlite:////path/file.sqlite3."
)
LISTED_TWICE = "DOMAIN_DATABASES lists domain {domain!r} twice. Give each domain one database."
DEFAULT_IS_RESERVED = "DOMAIN_DATABASES cannot name a domain 'default': that alias is DATABASE_URL's database."
CANNOT_DERIVE = (
    "DOMAIN_DATABASES lists {domain!r} without a URL, so its database is named after DATABASE_URL's, "
    "but DATABASE_URL's engine {engine} has no database name to derive from. Give {domain} a URL: {domain}=<url>."
)


def parse_domain_databases(
    value: str, *, default: Mapping[str, Any], domains: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Each listed domain's database settings (a DATABASES entry), by domain, in the order listed.

    `default` is DATABASE_URL's entry, from which unnamed URLs are derived; `domains` are
    every domain of the shop (what `*` means).
    """
    configs: dict[str, dict[str, Any]] = {}
    for raw in filter(None, (part.strip() for part in _SEPARATOR.split(value.strip()))):
        if raw == EVERY_DOMAIN:
            entries = [(domain, None) for domain in domains if domain not in configs]
        else:
            match = _ENTRY.match(raw)
            if match is None:
                raise ImproperlyConfigured(ENTRY_INVALID.format(entry=raw))
            entries = [(match["domain"], match["url"])]
        for domain, url in entries:
            if domain == DEFAULT_DB_ALIAS:
                raise ImproperlyConfigured(DEFAULT_IS_RESERVED)
            if domain in configs:
                raise ImproperlyConfigured(LISTED_TWICE.format(domain=domain))
            configs[domain] = _from_url(domain, url.strip()) if url else derived(default, domain=domain)
    return configs


def derived(default: Mapping[str, Any], *, domain: str) -> dict[str, Any]:
    """`default`'s database settings for `domain`'s own database beside it: `<name>_<domain>`."""
    config = copy.deepcopy(dict(default))
    name = str(config.get("NAME") or "")
    if config.get("ENGINE") == "django.db.backends.sqlite3":
        if name and name != ":memory:" and not name.startswith("file:"):
            path = PurePath(name)
            config["NAME"] = str(path.with_name(f"{path.stem}_{domain}{path.suffix}"))
        return config
    if not name:
        raise ImproperlyConfigured(CANNOT_DERIVE.format(domain=domain, engine=config.get("ENGINE")))
    config["NAME"] = f"{name}_{domain}"
    test = config.get("TEST") or {}
    if test.get("NAME"):
        config["TEST"] = {**test, "NAME": f"{test['NAME']}_{domain}"}
    return config


def _from_url(domain: str, url: str) -> dict[str, Any]:
    def invalid(error: object) -> ImproperlyConfigured:
        return ImproperlyConfigured(URL_INVALID.format(domain=domain, url=url, error=error, example=URL_EXAMPLE))

    if "://" not in url:
        raise invalid("it has no scheme://")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # django-environ warns of an unknown scheme; refused below instead
            config = dict(environ.Env.db_url_config(url))
    except (ImproperlyConfigured, KeyError, ValueError) as exc:
        raise invalid(exc or type(exc).__name__) from None
    if not config.get("ENGINE") or "." not in str(config["ENGINE"]):
        raise invalid(f"django-environ knows no database engine for the scheme {url.split('://')[0]!r}")
    return config
