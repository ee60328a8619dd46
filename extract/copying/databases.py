"""The other side of a copy: a database named by its URL, opened as a connection alias of this process."""

from __future__ import annotations

import hashlib
import urllib.parse
import warnings

import environ
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import ConnectionDoesNotExist, load_backend

TARGET_ALIAS = "extract_target"
BAD_URL = (
    "{url!r} is not a database URL. Write it as DATABASE_URL is written, e.g. "
    "postgres://postgres@127.0.0.1:5432/orders or sqlite:////srv/orders/db.sqlite3."
)
UNREACHABLE = "Cannot connect to the database at {url}: {error}. Start it, or correct the URL."


class DatabaseUrlError(ValueError):
    """The URL names no database Django can open."""


def open_database(url: str, alias: str = TARGET_ALIAS) -> str:
    """Make `url` reachable as `connections[alias]` (replacing an earlier one of that alias); returns the alias.

    The connection is made directly rather than added to the DATABASES settings: this
    process's own configuration stays as it is, and the connection is closed by
    `close_database`, not by Django's per-request cleanup.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # django-environ warns of an unknown scheme; the check below refuses it
            config = environ.Env.db_url_config(url)
    except (KeyError, ValueError, environ.ImproperlyConfigured) as exc:
        raise DatabaseUrlError(BAD_URL.format(url=redacted(url))) from exc
    if not config.get("ENGINE") or not config.get("NAME"):
        raise DatabaseUrlError(BAD_URL.format(url=redacted(url)))
    close_database(alias)
    default = connections.settings[DEFAULT_DB_ALIAS]
    configured = connections.configure_settings({DEFAULT_DB_ALIAS: default, alias: config})[alias]
    connection = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, alias)
    try:
        connection.ensure_connection()
    except Exception as exc:
        connection.close()
        raise DatabaseUrlError(UNREACHABLE.format(url=redacted(url), error=str(exc).strip())) from exc
    connections[alias] = connection
    return alias


def close_database(alias: str = TARGET_ALIAS) -> None:
    """Close and forget a connection `open_database` made (nothing happens for one it did not)."""
    if alias in connections.settings:
        return  # configured in settings: not ours to close
    try:
        connection = connections[alias]
    except ConnectionDoesNotExist:
        return
    connection.close()
    del connections[alias]


def redacted(url: str) -> str:
    """The URL without its password, for messages and file names."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def fingerprint(url: str) -> str:
    """A short stable name for the database a URL points at (its password left out)."""
    return hashlib.sha256(redacted(url).encode()).hexdigest()[:12]


def missing_tables(alias: str, tables: list[str]) -> list[str]:
    existing = set(connections[alias].introspection.table_names())
    return [table for table in tables if table not in existing]
