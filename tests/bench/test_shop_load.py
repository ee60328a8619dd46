"""The load benchmark, short: browsing and checkout under wrk, in process and with the catalog in a service of its own,
answered without a single error (the figures are shown, never asserted: timings belong to `make bench`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection

from bench.shop_load import NO_WRK
from conftest import FIGURES, require_server
from tests.blackbox.deployments import recreate_database
from tests.reliability.processes import database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.processes,
    pytest.mark.load,
    pytest.mark.django_db,
    pytest.mark.xdist_group("shop-load"),
]

ROW = re.compile(
    r"^(local|catalog) / (browse|checkout)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+([\d.-]+)\s+(\S.*)$", re.MULTILINE
)


def test_browsing_and_checkout_under_load_answer_without_errors_in_process_and_with_the_catalog_extracted(
    record_property: Callable[[str, object], None],
) -> None:
    if shutil.which("wrk") is None:
        require_server(f"wrk. {NO_WRK}")
    own_database = f"{database_url(connection)}_shop_load"
    recreate_database(own_database)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}

    bench = subprocess.run(
        [sys.executable, "-m", "bench.shop_load", "--seconds", "3", "--connections", "8"],
        cwd=settings.BASE_DIR,
        env={**environment, "DATABASE_URL": own_database},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert bench.returncode == 0, f"{bench.stdout[-3000:]}\n{bench.stderr[-5000:]}"
    rows = {
        (placement, load): (int(rps), int(errors))
        for placement, load, rps, _, _, errors, _, _ in ROW.findall(bench.stdout)
    }
    record_property(
        FIGURES, {f"{placement} / {load}": f"{rps} requests/s" for (placement, load), (rps, _) in rows.items()}
    )
    assert set(rows) == {(p, load) for p in ("local", "catalog") for load in ("browse", "checkout")}, bench.stdout
    assert {key: errors for key, (_, errors) in rows.items()} == dict.fromkeys(rows, 0), bench.stdout
    assert all(rps > 0 for rps, _ in rows.values()), bench.stdout
