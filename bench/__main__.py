"""Run every benchmark: `python -m bench`. The Celery and gateway ones need Redis at REDIS_URL, the gateway one wrk."""

from bench import boundaries, bus_celery, gateway, guard, kernel, remote

BENCHMARKS = (
    kernel.main,
    lambda: boundaries.main([]),
    lambda: guard.main([]),
    lambda: remote.main([]),
    lambda: bus_celery.main([]),
    lambda: gateway.main([]),
)

for run in BENCHMARKS:
    run()
