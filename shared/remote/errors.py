"""What a remote call raises besides the domain's own errors.

    DomainError (shared.errors)
    ├── <the domain's errors>        arrive as the same classes, rebuilt from their code
    └── ServiceUnavailableError      the call could not complete: connection refused, timed
                                     out, a 5xx, no live instance, every circuit open
    RemoteCallError                  the service answered, but not as the interface says
    ├── UnknownRemoteError           an error code this process does not know: the two sides
    │                                run different versions of the interface
    ├── RemoteCallRefusedError       the service refused this service's credentials (401/403)
    └── RemoteProtocolError          a result that does not decode, an answer that is not ours

RemoteCallErrors mean a deployment mistake (versions, keys), never a caller's bad data,
so nothing catches them on the way to the developer; ServiceUnavailableError is the
domain failure callers handle ("retry later; the operation may not have happened").
"""

from __future__ import annotations

# Reasons given in ServiceUnavailableError(reason=...): what went wrong, for the caller's logs.
NO_INSTANCE = "no live instance of the service is known ({where})"
ALL_CIRCUITS_OPEN = "every instance's circuit is open after repeated failures ({where}); failing fast"
UNREACHABLE = "could not connect to {url} ({error})"
TIMED_OUT = "no answer from {url} within {seconds:.2f}s"
SERVER_FAILED = "{url} answered {status} ({code})"
CONNECTION_LOST = "the connection to {url} broke before the answer ({error})"
IN_FLIGHT = "{url} is still running the first attempt of this call"
ATTEMPTS = "{reason}; gave up after {attempts} attempt(s)"

UNKNOWN_CODE = (
    "{operation} failed with error code {code!r} (HTTP {status}), which no interface in this process declares: "
    "{detail} Deploy the same interface version on both sides."
)
REFUSED = (
    "The {domain} service refused this service's credentials (HTTP {status}, {code}): {detail} Check "
    "SERVICE_SIGNING_KEY here and SERVICE_TRUSTED_KEYS there."
)
BAD_RESULT = "{operation}: the service's answer does not decode as the declared result ({problem})."
NOT_OURS = "{operation}: {url} answered HTTP {status} with a body that is no problem document: {body!r}."


class RemoteCallError(Exception):
    """The service answered, but not as the interface says: a deployment mistake."""

    def __init__(self, message: str, *, domain: str, operation: str, status: int, code: str = "") -> None:
        super().__init__(message)
        self.domain = domain
        self.operation = operation
        self.status = status
        self.code = code


class UnknownRemoteError(RemoteCallError):
    """An error code this process does not know."""


class RemoteCallRefusedError(RemoteCallError):
    """The service refused the service token (missing key, untrusted key, wrong audience)."""


class RemoteProtocolError(RemoteCallError):
    """An answer that is not what the endpoint sends: a result that does not decode, a foreign body."""
