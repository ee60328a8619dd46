"""The boundaries benchmark times real work: its generated tree passes every check, and a violation in it is caught."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bench.boundaries import write_tree


def test_the_generated_tree_is_clean_and_a_violation_in_it_is_found(tmp_path: Path) -> None:
    write_tree(tmp_path, 5)
    call_command("boundaries", "check", "--root", str(tmp_path), stdout=io.StringIO())

    (tmp_path / "domains/d001/selectors.py").write_text(
        "from django.apps import apps\nfrom domains.d002.models import Shelf\nItem = apps.get_model('d003', 'Item')\n"
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 new boundary violation"):
        call_command("boundaries", "check", "--root", str(tmp_path), stdout=out)

    assert [line.split(" [")[0] for line in out.getvalue().splitlines() if line.startswith("domains/")] == [
        "domains/d001/selectors.py:2: imports",
        "domains/d001/selectors.py:3: modulith.E061",
    ]
