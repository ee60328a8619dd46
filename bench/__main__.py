"""Run every benchmark: `python -m bench`. The Celery one needs Redis at REDIS_URL."""

from bench import bus_celery, kernel

BENCHMARKS = (kernel.main, lambda: bus_celery.main([]))

for run in BENCHMARKS:
    run()
