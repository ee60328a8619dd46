"""Catalog: what the shop sells, at what price, and how many are left.

Owns: categories, products (sku, name, description, price), stock levels, and the
reservations that hold stock for orders until they are paid or cancelled.
Publishes: catalog.ProductCreated, catalog.ProductPriceChanged.
Consumes: orders.OrderConfirmed (commits the order's reservation),
orders.OrderCancelled (releases it).
Calls: nothing. Reservations name orders by id only.
"""
