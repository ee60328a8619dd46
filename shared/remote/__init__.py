"""Remote interfaces: the same interface call answered by another process, by configuration alone.

    credentials.py  the service tokens this deployment signs for the services it calls
    protocol.py     the internal endpoint's exchange: path, headers, refusal codes
    server.py       the internal endpoint: one view serving every operation of the local domains
    client.py       the generated client per Protocol, and ServiceClient: pooled HTTP, retries, timeouts
    instances.py    a service's instances, round robin, a circuit breaker each
    discovery.py    the service registry in Redis: announce, heartbeat, live instances
    binding.py      a client for every domain DOMAIN_PLACEMENT runs elsewhere
    errors.py       RemoteCallError and what ServiceUnavailableError says

Callers never import this package: they call `catalog.get_product(...)` as ever, and the
binder decided at start whether that is the local service or a client of the service.
"""
