"""Verified tokens are remembered: a client's every request does not pay the signature check again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from domains.identity.access_tokens import issue_access_token
from domains.identity.tests.keys import issuer_config, key_set, verifier_config
from shared.auth.keys import KeySource, VerifyingKey
from shared.auth.principal import CUSTOMER_SCOPE, Principal
from shared.auth.tokens import (
    ExpiredTokenError,
    InvalidTokenError,
    VerifiedTokens,
    current_verifier,
    verify_access_token,
)

CASEY = Principal(id=uuid.uuid4(), email="casey@example.com", scopes=frozenset({CUSTOMER_SCOPE}))


@dataclasses.dataclass
class CountingKeys:
    """The trusted keys, counting how often a verification looks one up (once per full check)."""

    keys: KeySource
    lookups: int = 0

    def find(self, kid: str) -> VerifyingKey | None:
        self.lookups += 1
        return self.keys.find(kid)


def test_a_token_is_checked_in_full_once_and_then_remembered() -> None:
    keys = key_set("remembered")
    counting = CountingKeys(keys.public_key_set())
    config = dataclasses.replace(verifier_config(keys), keys=counting, verified=VerifiedTokens())
    token = issue_access_token(CASEY, config=issuer_config(keys)).token

    principals = [verify_access_token(token, config=config) for _ in range(5)]

    assert principals == [CASEY] * 5
    assert counting.lookups == 1


def test_a_changed_token_is_never_taken_from_memory() -> None:
    keys = key_set("tampered")
    config = dataclasses.replace(verifier_config(keys), verified=VerifiedTokens())
    token = issue_access_token(CASEY, config=issuer_config(keys)).token
    verify_access_token(token, config=config)

    with pytest.raises(InvalidTokenError):
        verify_access_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), config=config)


def test_a_remembered_token_is_forgotten_when_it_expires() -> None:
    # given a token remembered while it was valid, whose expiry has now passed
    keys = key_set("expiring")
    issued_at = timezone.now() - dt.timedelta(seconds=901)
    token = issue_access_token(CASEY, config=issuer_config(keys), now=issued_at).token
    memory = VerifiedTokens()
    memory.put(token, CASEY, expires_at=issued_at.timestamp() + 900)
    config = dataclasses.replace(verifier_config(keys), verified=memory)

    # when it is presented again, then memory does not answer for it and the full check refuses it
    with pytest.raises(ExpiredTokenError):
        verify_access_token(token, config=config)
    assert memory.get(token, now=timezone.now().timestamp()) is None


def test_memory_holds_a_token_no_longer_than_its_time_to_live() -> None:
    memory = VerifiedTokens(seconds=0.05)
    memory.put("t", CASEY, expires_at=10**12)

    assert memory.get("t", now=0) == CASEY
    # TTLCache's own clock (monotonic) ends the entry after 50 ms
    deadline = dt.datetime.now() + dt.timedelta(seconds=5)
    while memory.get("t", now=0) is not None:
        assert dt.datetime.now() < deadline, "the entry outlived its time to live"


def test_the_settings_turn_memory_on_by_default_and_off_with_zero() -> None:
    assert current_verifier().verified is not None
    with override_settings(AUTH_VERIFIED_TOKEN_CACHE_SECONDS=0):
        assert current_verifier().verified is None
