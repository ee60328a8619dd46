"""What goes wrong with contracts, each error saying what to do.

    ContractError
    ├── SnapshotMissingError       a domain's contract.json does not exist yet
    ├── SnapshotInvalidError       it is not JSON, or of another format or domain
    ├── ContractViolationError     a fake was called with, or programmed with, what the contract refuses
    └── FakeNotProgrammedError     a fake was called for an operation the test did not program

The last two are AssertionErrors too: in a test they are the test's failure, not the code's.
"""

from __future__ import annotations


class ContractError(Exception):
    """Base of the contract errors."""


class SnapshotMissingError(ContractError, FileNotFoundError):
    """A domain's contract has not been recorded."""


class SnapshotInvalidError(ContractError, ValueError):
    """A snapshot file cannot be read as a contract."""


class ContractViolationError(ContractError, AssertionError):
    """A value crossing a fake does not match the callee's recorded contract."""


class FakeNotProgrammedError(ContractError, AssertionError):
    """A fake operation was called, but the test never said what it answers."""
