"""What operators see of the running system.

logs.py          log lines, readable or JSON, with correlation id, domain and user id
(shared/work_context.py holds the domain and user of the work being done, for those lines)
metrics.py       the Prometheus metrics, by name; exposition.py serves them at /metrics
middleware.py    every HTTP request counted, timed and logged in its domain's name
health.py        /healthz/live and /healthz/ready
celery_logs.py   Celery workers log through the same lines, each task in its own scope
"""
