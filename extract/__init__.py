"""Tooling that plans and performs the split of one domain into its own service.

A composition root like config/: it may import any domain; nothing imports it.
"""
