"""The gateway benchmark runs end to end: two gunicorn servers under wrk, a row each, its Redis keys gone at exit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import redis
from django.conf import settings

from bench.gateway import NO_WRK
from conftest import require_server

pytestmark = [pytest.mark.redis, pytest.mark.processes, pytest.mark.xdist_group("celery")]

ROW = re.compile(
    r"^(gateway|bare)\s+(\d+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)$", re.MULTILINE
)
DELETED = re.compile(r"\d+ rate-limit keys under (modulith-bench-[0-9a-f]+): deleted")


def test_the_gateway_benchmark_prints_both_rows_and_cleans_up() -> None:
    if shutil.which("wrk") is None:
        require_server(f"wrk. {NO_WRK}")
    # A throwaway SQLite, one database: the benchmark's baseline and its subject run on the same one.
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DOMAIN_DATABASES")}

    bench = subprocess.run(
        [sys.executable, "-m", "bench.gateway", "--seconds", "1", "--rounds", "1", "--connections", "4"],
        cwd=settings.BASE_DIR,
        env={**environment, "REDIS_URL": settings.REDIS_URL},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert bench.returncode == 0, bench.stderr
    rows = {
        name: (int(rps), float(cpu), int(sql), int(errors), float(time_ratio), float(cpu_ratio))
        for name, rps, cpu, sql, errors, time_ratio, cpu_ratio in ROW.findall(bench.stdout)
    }
    assert rows.keys() == {"gateway", "bare"}, bench.stdout
    assert all(rps > 0 and cpu > 0 and errors == 0 for rps, cpu, _, errors, _, _ in rows.values()), bench.stdout
    assert rows["gateway"][2] == rows["bare"][2]  # the gateway adds no SQL statement
    assert rows["bare"][4:] == (1.0, 1.0)
    [prefix] = DELETED.findall(bench.stdout)
    assert list(redis.Redis.from_url(settings.REDIS_URL).scan_iter(match=f"{prefix}:*")) == []
