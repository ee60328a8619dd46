"""Run every benchmark: `python -m bench`."""

from bench import kernel

BENCHMARKS = (kernel.main,)

for run in BENCHMARKS:
    run()
