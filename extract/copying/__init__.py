"""Moving a domain's rows between the monolith's database and its service's (`manage.py extract data`).

    copy_domain(domain, sides=..., checkpoint=...)   target := source for the domain's rows, verified
    open_database(url)                                a database URL as a connection alias

Errors say what to do: CopyError (cannot start, or did not verify), DatabaseUrlError,
CheckpointError.
"""

from extract.copying.checkpoints import Checkpoint, CheckpointError
from extract.copying.copier import CopyError, CopyReport, Progress, Sides, TableCopy, copy_domain
from extract.copying.databases import DatabaseUrlError, close_database, fingerprint, open_database, redacted

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "CopyError",
    "CopyReport",
    "DatabaseUrlError",
    "Progress",
    "Sides",
    "TableCopy",
    "close_database",
    "copy_domain",
    "fingerprint",
    "open_database",
    "redacted",
]
