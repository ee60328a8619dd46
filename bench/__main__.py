"""Run every benchmark: `python -m bench`. The Celery and gateway ones need Redis at REDIS_URL, the gateway and shop
load ones wrk, the shop load and placements ones PostgreSQL (DATABASE_URL=postgres://...)."""

from bench import boundaries, bus_celery, bus_cost, gateway, guard, kernel, placements, remote, shop_load

BENCHMARKS = (
    kernel.main,
    lambda: bus_cost.main([]),
    lambda: boundaries.main([]),
    lambda: guard.main([]),
    lambda: remote.main([]),
    lambda: bus_celery.main([]),
    lambda: gateway.main([]),
    lambda: shop_load.main([]),
    lambda: placements.main([]),
)

for run in BENCHMARKS:
    run()
