"""The kernel's database parts: guard.py, the table guard on every connection."""
