"""The shared kernel: interfaces and their registry, the wire format, the event bus.

It knows no domain: every domain depends on it, never the other way round (an
import-linter contract in pyproject.toml enforces this).
"""
