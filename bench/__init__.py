"""Benchmarks, not tests: each prints a table of ratios measured side by side in one run.

Run them all with `make bench` (or `.venv/bin/python -m bench`). Numbers vary with the
machine; the ratios between rows measured in the same run are what to read.
"""
