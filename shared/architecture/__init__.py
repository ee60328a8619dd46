"""The architecture of the running code, described and drawn: /architecture/ and `manage.py architecture`.

description.py   the description as frozen data
survey.py        built from the registry, the bus's subscriptions and the import graph
placement.py     where each domain runs
readiness.py     whether it could leave (the hook the extraction planner plugs into)
render.py        JSON, Mermaid, Graphviz DOT
live.py          headline numbers per domain for the page
views.py         the staff-only page and its JSON twin
"""
