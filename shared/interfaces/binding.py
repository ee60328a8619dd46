"""The binder: what serves each interface in this process, decided by the placement map alone.

    register_domain_interfaces(placement, registry)   every domain's interface, local or not
    bind_local(proxy, service)                          a domain's AppConfig binds its service
    bind_remote(proxy, client)                          the kernel binds a client for a remote domain

Every domain's interface is registered in every process, wherever the domain runs, so
that its errors and events decode anywhere. A local domain's service is bound as it is
(INTERFACE_TRANSPORT=local, the default) or behind the wire loopback
(INTERFACE_TRANSPORT=wire, shared.interfaces.loopback); a domain placed elsewhere is
bound to a remote client, never to local code, even if its app were installed by mistake
(check modulith.E031 reports that).
"""

from __future__ import annotations

import importlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shared.interfaces.errors import InterfaceDeclarationError
from shared.interfaces.loopback import wire_loopback
from shared.interfaces.proxy import Interface, interface_of
from shared.interfaces.registry import Registry, registry
from shared.placement import Placement, current_placement

INTERFACE_MODULE = "domains.{domain}.interface"
"""Where a domain declares its interface (see README, 'A domain')."""

LOCAL_TRANSPORT = "local"
WIRE_TRANSPORT = "wire"
TRANSPORTS = (LOCAL_TRANSPORT, WIRE_TRANSPORT)

NO_INTERFACE = (
    "{module} declares no interface named {domain!r}. Declare it there: "
    "{domain}: {title}Api = declare_interface({domain!r}, {title}Api, ...)."
)
UNKNOWN_TRANSPORT = "INTERFACE_TRANSPORT={value!r} is not a transport. Choose one of: {choices}."


def domain_interface(domain: str) -> Interface:
    """The interface a domain declares in its interface module (imported if need be)."""
    module_name = INTERFACE_MODULE.format(domain=domain)
    module = importlib.import_module(module_name)
    for value in vars(module).values():
        if isinstance(value, Interface) and value.meta.name == domain:
            return value
    raise InterfaceDeclarationError(NO_INTERFACE.format(module=module_name, domain=domain, title=domain.title()))


def register_domain_interfaces(placement: Placement, into: Registry = registry) -> tuple[Interface, ...]:
    """Register the interface of every domain of the deployment, local or not."""
    interfaces = tuple(domain_interface(domain) for domain in placement.domains)
    for interface in interfaces:
        into.register(interface)
    return interfaces


def interface_transport() -> str:
    value = settings.INTERFACE_TRANSPORT
    if value not in TRANSPORTS:
        raise ImproperlyConfigured(UNKNOWN_TRANSPORT.format(value=value, choices=", ".join(TRANSPORTS)))
    return str(value)


def bind_local(proxy: object, service: object, *, into: Registry = registry) -> bool:
    """Bind a domain's own service to its interface, if the placement runs the domain here.

    Returns whether it bound: a domain placed elsewhere keeps its remote client.
    """
    interface = interface_of(proxy)
    if not current_placement().is_local(interface.meta.name):
        return False
    if interface_transport() == WIRE_TRANSPORT:
        service = wire_loopback(interface.meta, service, known_errors=into.error_types)
    into.bind(interface, service)
    return True


def bind_remote(proxy: object, client: object, *, into: Registry = registry) -> None:
    """Bind the client of a domain served elsewhere (the kernel does, from the placement map)."""
    into.bind(proxy, client)
