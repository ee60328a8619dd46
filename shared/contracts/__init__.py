"""Contracts: what each domain's interface promises, recorded, compared, and faked.

    describe(interface)          the contract of the code: operations (parameters with kinds,
                                 defaults and JSON Schemas, return schemas, idempotent marks),
                                 events (name, version, ordering key, payload schema), errors
                                 (code, kind, parameter schema) and the DTOs they use
    domains/<d>/contract.json    the recorded contract, committed beside the interface
    compare(recorded, code)      every difference, breaking or additive, with the fix
                                 (the rules are in shared/contracts/compare.py)
    manage.py contracts check    fails on a breaking change, naming each and what to do
    manage.py contracts update   records the code's contract; refuses breaking changes
                                 unless --allow-breaking
    bind_fakes(registry, ...)    fakes of other domains' interfaces that hold a caller to
                                 their recorded contracts, for testing a domain on its own

The recorded contract is the promise a deployed domain keeps while its callers are built
against an older or newer version of it; changing the code without breaking it is what
`contracts check` proves.
"""

from shared.contracts.compare import Change, Direction, compare
from shared.contracts.describe import describe
from shared.contracts.errors import (
    ContractError,
    ContractViolationError,
    FakeNotProgrammedError,
    SnapshotInvalidError,
    SnapshotMissingError,
)
from shared.contracts.fakes import FakeInterface, FakeOperation, Fakes, bind_fakes, fake_for, fakes_in_place
from shared.contracts.snapshots import ContractStatus, read_snapshot, render, snapshot_path, status

__all__ = [
    "Change",
    "ContractError",
    "ContractStatus",
    "ContractViolationError",
    "Direction",
    "FakeInterface",
    "FakeNotProgrammedError",
    "FakeOperation",
    "Fakes",
    "SnapshotInvalidError",
    "SnapshotMissingError",
    "bind_fakes",
    "compare",
    "describe",
    "fake_for",
    "fakes_in_place",
    "read_snapshot",
    "render",
    "snapshot_path",
    "status",
]
