"""Interfaces: how one domain calls another without knowing where it runs.

A domain declares, in `domains/<d>/interface.py`, a typing.Protocol of operations and a
proxy for it:

    catalog: CatalogApi = declare_interface(
        "catalog", CatalogApi, events=(ProductCreated,), errors=(ProductNotFoundError,)
    )

Callers import the proxy (`from domains.catalog.interface import catalog`) and call it.
The domain's AppConfig binds its implementation through the registry
(`registry.bind(catalog, CatalogService())`); binding a remote client instead is a
configuration change that no caller sees.

Errors (all say what to do):
    InterfaceError
    ├── InterfaceDeclarationError   a type that cannot cross a process boundary, a bad signature
    ├── InterfaceNotBoundError      a call before any implementation was bound
    ├── InterfaceAlreadyBoundError  a second bind
    └── ImplementationMismatchError an implementation that does not satisfy the Protocol
"""

from shared.interfaces.errors import (
    ImplementationMismatchError,
    InterfaceAlreadyBoundError,
    InterfaceDeclarationError,
    InterfaceError,
    InterfaceNotBoundError,
)
from shared.interfaces.proxy import Interface, declare_interface, idempotent, interface_of
from shared.interfaces.registry import Registry, registry

__all__ = [
    "ImplementationMismatchError",
    "Interface",
    "InterfaceAlreadyBoundError",
    "InterfaceDeclarationError",
    "InterfaceError",
    "InterfaceNotBoundError",
    "Registry",
    "declare_interface",
    "idempotent",
    "interface_of",
    "registry",
]
