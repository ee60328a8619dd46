"""Catalog: the products the shop sells and their prices.

Owns: products (sku, name, description, price).
Publishes: catalog.ProductCreated, catalog.ProductPriceChanged.
Consumes: nothing.
"""
