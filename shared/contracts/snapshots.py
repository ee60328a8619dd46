"""Recorded contracts: `contract.json` beside the module that declares a domain's interface.

`domains/catalog/interface.py` declares the catalog's interface, so its contract is
recorded in `domains/catalog/contract.json`, and it travels with the domain when the domain
is extracted. The file is JSON with sorted keys and a fixed indent, so that a change to
the contract is a readable diff in review.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from shared.contracts.compare import Change, compare
from shared.contracts.describe import FORMAT, describe
from shared.contracts.errors import SnapshotInvalidError, SnapshotMissingError
from shared.interfaces import Interface

SNAPSHOT_NAME = "contract.json"

SNAPSHOT_MISSING = (
    "The contract of {domain} has not been recorded: {path} does not exist. Record it with "
    "`python manage.py contracts update {domain}` and commit the file."
)
SNAPSHOT_NOT_JSON = (
    "{path} is not valid JSON ({problem}). Restore it with `git checkout -- {path}`, or record the contract "
    "again with `python manage.py contracts update {domain} --allow-breaking`."
)
SNAPSHOT_WRONG_FORMAT = (
    "{path} is a contract of format {found!r}; this code reads format {expected}. Record it again with "
    "`python manage.py contracts update {domain} --allow-breaking`."
)
SNAPSHOT_WRONG_DOMAIN = (
    "{path} records the contract of {found!r}, not of {domain!r}. Put each domain's contract beside its interface."
)


def snapshot_path(interface: Interface) -> Path:
    """Where the contract of `interface` is recorded: beside the module that declares its Protocol."""
    module = sys.modules[interface.meta.protocol.__module__]
    return Path(inspect.getfile(module)).resolve().parent / SNAPSHOT_NAME


def shown(path: Path) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def render(contract: dict[str, Any]) -> str:
    """The snapshot file's text: the same contract always gives the same bytes."""
    return json.dumps(contract, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_snapshot(path: Path, *, domain: str) -> dict[str, Any]:
    """The recorded contract at `path`; SnapshotMissingError or SnapshotInvalidError say how to fix a bad one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SnapshotMissingError(SNAPSHOT_MISSING.format(domain=domain, path=path)) from None
    try:
        contract = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotInvalidError(SNAPSHOT_NOT_JSON.format(path=path, problem=exc, domain=domain)) from None
    if not isinstance(contract, dict) or contract.get("format") != FORMAT:
        found = contract.get("format") if isinstance(contract, dict) else None
        raise SnapshotInvalidError(SNAPSHOT_WRONG_FORMAT.format(path=path, found=found, expected=FORMAT, domain=domain))
    if contract.get("domain") != domain:
        raise SnapshotInvalidError(SNAPSHOT_WRONG_DOMAIN.format(path=path, found=contract.get("domain"), domain=domain))
    return contract


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ContractStatus:
    """How one domain's code compares with its recorded contract."""

    domain: str
    path: Path
    contract: dict[str, Any]
    """The contract of the code, as `contracts update` would record it."""
    recorded: bool
    """Whether a snapshot exists (a domain recorded for the first time has none)."""
    changes: tuple[Change, ...]
    current: bool
    """Whether the snapshot file holds exactly `contract` (nothing to write)."""

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.breaking)

    @property
    def additive(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if not change.breaking)


def status(interface: Interface, *, path: Path | None = None) -> ContractStatus:
    """Compare the code of `interface` with its snapshot (at `path`, or beside its interface module)."""
    path = path or snapshot_path(interface)
    domain = interface.meta.name
    contract = describe(interface)
    if not path.exists():
        return ContractStatus(domain=domain, path=path, contract=contract, recorded=False, changes=(), current=False)
    recorded = read_snapshot(path, domain=domain)
    current = path.read_text(encoding="utf-8") == render(contract)
    return ContractStatus(
        domain=domain,
        path=path,
        contract=contract,
        recorded=True,
        changes=tuple(compare(recorded, contract)),
        current=current,
    )


def statuses(interfaces: Iterable[Interface]) -> list[ContractStatus]:
    return [status(interface) for interface in interfaces]


def write(state: ContractStatus) -> bool:
    """Record the code's contract; False when the file already held it."""
    if state.current:
        return False
    state.path.write_text(render(state.contract), encoding="utf-8")
    return True
