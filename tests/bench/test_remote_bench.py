"""The remote-call benchmark runs end to end and prints its ratios against the raw GET."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = [pytest.mark.processes, pytest.mark.xdist_group("remote")]

ROW = re.compile(
    r"^(?P<label>.+?)\s{2,}(?P<p50>\d+)\s+(?P<p99>\d+)\s+(?P<rate>\d+)\s+(?P<p50_ratio>[\d.]+)\s+(?P<time_ratio>[\d.]+)$"
)


def test_the_benchmark_prints_p50_p99_and_calls_per_second_as_ratios_to_the_raw_get() -> None:
    # A throwaway SQLite, one database: the benchmark's baseline and its subject run on the same one.
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DOMAIN_DATABASES")}
    bench = subprocess.run(
        [sys.executable, "-m", "bench.remote", "--calls", "20", "--rounds", "1"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert bench.returncode == 0, bench.stderr
    rows = [match.groupdict() for line in bench.stdout.splitlines() if (match := ROW.match(line))]
    assert [row["label"] for row in rows] == [
        "raw httpx keep-alive GET /healthz",
        "remote call, no work (get_products of none)",
        "remote call, one read (get_product)",
        "local call, one read (in process)",
    ]
    assert (rows[0]["p50_ratio"], rows[0]["time_ratio"]) == ("1.00", "1.00")
    assert all(float(row["p50_ratio"]) > 0 and int(row["rate"]) > 0 for row in rows)
