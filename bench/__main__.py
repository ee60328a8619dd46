"""Run every benchmark: `python -m bench`. The Celery and gateway ones need Redis at REDIS_URL, the gateway one wrk;
the placements one PostgreSQL at DATABASE_URL."""

from bench import boundaries, bus_celery, gateway, kernel, placements, remote

BENCHMARKS = (
    kernel.main,
    lambda: boundaries.main([]),
    lambda: remote.main([]),
    lambda: bus_celery.main([]),
    lambda: gateway.main([]),
    lambda: placements.main([]),
)

for run in BENCHMARKS:
    run()
