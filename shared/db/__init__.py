"""A database per domain inside the monolith: each domain opens its transactions on its own alias.

    from shared.db import atomic

    with atomic("catalog"):
        product = Product.objects.select_for_update().get(id=product_id)
        ...
        publish(ProductPriceChanged(...))   # the outbox row commits with the product

DOMAIN_DATABASES (config/settings.py, shared.db.databases) gives a domain a database of its own;
`database_for(domain)` names its alias ("default" for a domain not listed), and the router
(shared.db.router) sends the domain's models there. So moving a domain into its own database
changes configuration, not code: every transaction, `select_for_update` and raw SQL of the
domain already goes through its alias, and the kernel's bus and idempotency tables exist in
every database, written in the domain's own transactions.
"""

from __future__ import annotations

from shared.db.transactions import atomic, connection_for, database_aliases, database_for, on_commit

__all__ = ["atomic", "connection_for", "database_aliases", "database_for", "on_commit"]
