"""The edge: what only the process that receives the outside world's requests needs.

    routing.py       the route table: each domain's API served here or by its service
    middleware.py    correlation at the door: every request runs under one correlation id

No domain imports this package (an import-linter contract says so); what a domain's HTTP
layer needs lives in shared.api, and token verification in shared.auth.
"""
