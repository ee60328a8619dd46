"""Run every benchmark: `python -m bench`. The Celery one needs Redis at REDIS_URL."""

from bench import bus_celery, kernel, remote

BENCHMARKS = (kernel.main, lambda: remote.main([]), lambda: bus_celery.main([]))

for run in BENCHMARKS:
    run()
