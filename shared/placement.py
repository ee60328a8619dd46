"""Where each domain runs: the one placement map that every part of a process reads.

    DOMAIN_PLACEMENT=catalog=http://127.0.0.1:8011,billing=registry

A domain not named runs here (`local`); `<domain>=<url>` means a service at that base URL
serves it (several instances: `catalog=http://10.0.0.5:8000|http://10.0.0.6:8000`);
`<domain>=registry` means its live instances are found in the service registry. The
settings parse it once, at start, into a frozen `Placement`:

    placement = parse_placement("catalog=http://127.0.0.1:8011", domains=DOMAINS)
    placement.where("catalog")       # AtUrls(urls=("http://127.0.0.1:8011",))
    placement.where("cart")          # LOCAL
    placement.local_domains          # ("identity", "cart", "orders", "billing", "notifications")
    placement.remote                 # {"catalog": AtUrls(...)}
    current_placement()              # this process's, from settings.DOMAIN_PLACEMENT

Who reads it: config/settings.py installs the local domains' apps and no others (a domain
placed elsewhere has no active code here); the binder (shared.remote.binding) binds each
interface to its local service or to a remote client; the gateway's route table serves
local domains' routes and forwards remote ones; the bus and extraction ask it where a
domain's handlers and data live. Nothing else decides placement.

Text that cannot be read (no `=`, an unknown domain, a domain named twice) stops the start
with a PlacementError. A URL that is not a usable base URL is reported by `manage.py
check` (modulith.E032) rather than here, so that the check can list every problem at once.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

LOCAL_WORD = "local"
REGISTRY_WORD = "registry"
URL_SEPARATOR = "|"

ENTRY_MALFORMED = (
    "DOMAIN_PLACEMENT: {entry!r} is not '<domain>=<where>'. Write e.g. "
    "DOMAIN_PLACEMENT=catalog=http://127.0.0.1:8011,billing=registry (a domain left out runs here)."
)
UNKNOWN_DOMAIN = "DOMAIN_PLACEMENT names {domain!r}, which is no domain of this deployment. Domains: {domains}."
PLACED_TWICE = "DOMAIN_PLACEMENT places {domain!r} twice. Name each domain once; separate instances with '|'."
NOWHERE = "DOMAIN_PLACEMENT gives {domain!r} no place. Write {domain}=local, {domain}=registry or {domain}=<base URL>."
BAD_URL = (
    "DOMAIN_PLACEMENT: {url!r} (for {domain!r}) is not a base URL. Use http:// or https://, a host and "
    "optionally a port and path, with no query, fragment or credentials, e.g. {domain}=http://10.0.0.5:8000."
)


class PlacementError(ImproperlyConfigured):
    """DOMAIN_PLACEMENT cannot be read; the message says how to write it."""


@dataclasses.dataclass(frozen=True, slots=True)
class Local:
    """The domain runs in this process: its app is installed and its service bound."""

    def __str__(self) -> str:
        return LOCAL_WORD


@dataclasses.dataclass(frozen=True, slots=True)
class AtUrls:
    """A service serves the domain at these base URLs (instances, tried round robin)."""

    urls: tuple[str, ...]

    def __str__(self) -> str:
        return URL_SEPARATOR.join(self.urls)


@dataclasses.dataclass(frozen=True, slots=True)
class ViaRegistry:
    """A service serves the domain; its live instances are read from the service registry."""

    def __str__(self) -> str:
        return REGISTRY_WORD


LOCAL = Local()
VIA_REGISTRY = ViaRegistry()
Remote = AtUrls | ViaRegistry
Where = Local | Remote


@dataclasses.dataclass(frozen=True, slots=True)
class Placement:
    """Every domain of the deployment and where it runs (frozen: read by every part of the process)."""

    domains: tuple[str, ...]
    """Every domain of the deployment, in the order the settings list them."""
    _remote: Mapping[str, Remote] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    def where(self, domain: str) -> Where:
        if domain not in self.domains:
            raise LookupError(UNKNOWN_DOMAIN.format(domain=domain, domains=", ".join(self.domains)))
        return self._remote.get(domain, LOCAL)

    def is_local(self, domain: str) -> bool:
        return domain in self.domains and domain not in self._remote

    @property
    def local_domains(self) -> tuple[str, ...]:
        return tuple(domain for domain in self.domains if domain not in self._remote)

    @property
    def remote(self) -> Mapping[str, Remote]:
        """The domains served elsewhere, and where; empty when everything runs here."""
        return self._remote

    def problems(self) -> list[str]:
        """What makes a remote placement unusable (malformed URLs), one message each."""
        return [
            BAD_URL.format(url=url, domain=domain)
            for domain, where in self._remote.items()
            if isinstance(where, AtUrls)
            for url in where.urls
            if not is_base_url(url)
        ]

    def __str__(self) -> str:
        return ",".join(f"{domain}={where}" for domain, where in self._remote.items())


def parse_placement(text: str, *, domains: Sequence[str]) -> Placement:
    """Read DOMAIN_PLACEMENT; PlacementError says what is wrong with text that cannot be read."""
    remote: dict[str, Remote] = {}
    seen: set[str] = set()
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        domain, separator, value = (part.strip() for part in entry.partition("="))
        if not separator or not domain:
            raise PlacementError(ENTRY_MALFORMED.format(entry=entry))
        if domain not in domains:
            raise PlacementError(UNKNOWN_DOMAIN.format(domain=domain, domains=", ".join(domains)))
        if domain in seen:
            raise PlacementError(PLACED_TWICE.format(domain=domain))
        seen.add(domain)
        where = _where(domain, value)
        if not isinstance(where, Local):
            remote[domain] = where
    return Placement(tuple(domains), MappingProxyType(remote))


def _where(domain: str, value: str) -> Where:
    if value == LOCAL_WORD:
        return LOCAL
    if value == REGISTRY_WORD:
        return VIA_REGISTRY
    urls = tuple(_without_trailing_slash(url.strip()) for url in value.split(URL_SEPARATOR) if url.strip())
    if not urls:
        raise PlacementError(NOWHERE.format(domain=domain))
    return AtUrls(urls)


def _without_trailing_slash(url: str) -> str:
    trimmed = url.rstrip("/")
    return trimmed if "://" in trimmed else url


def is_base_url(url: str) -> bool:
    """http(s)://host[:port][/path]: what a client can put an operation's path after."""
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not (parts.query or parts.fragment or parts.username or parts.password)
    )


def current_placement() -> Placement:
    """This process's placement (settings.DOMAIN_PLACEMENT, parsed when the settings loaded)."""
    placement = settings.DOMAIN_PLACEMENT
    if not isinstance(placement, Placement):
        raise ImproperlyConfigured(NOT_PARSED.format(value=placement))
    return placement


NOT_PARSED = (
    "settings.DOMAIN_PLACEMENT is {value!r}; it must be the Placement that "
    "shared.placement.parse_placement(env DOMAIN_PLACEMENT, domains=DOMAINS) returns."
)
