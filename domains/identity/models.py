"""Identity's private tables: user accounts with their shop profile, and refresh tokens."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from domains.identity.validation import (
    ADDRESS_INCOMPLETE,
    COUNTRY_PATTERN,
    FULL_NAME_MAX_LENGTH,
    PHONE_PATTERN,
    validate_country,
    validate_phone,
)

ADDRESS_FIELDS = ("shipping_line1", "shipping_line2", "shipping_postal_code", "shipping_city", "shipping_country")
REQUIRED_ADDRESS_FIELDS = ("shipping_line1", "shipping_postal_code", "shipping_city", "shipping_country")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


def normalize_email(email: str) -> str:
    """Emails are unique regardless of case: Ann@Example.com and ann@example.com are one user."""
    return email.strip().lower()


def _address_complete_or_empty() -> models.Q:
    empty = models.Q(**dict.fromkeys(ADDRESS_FIELDS, ""))
    complete = models.Q()
    for field in REQUIRED_ADDRESS_FIELDS:
        complete &= ~models.Q(**{field: ""})
    return empty | complete


class User(AbstractBaseUser, PermissionsMixin):
    """An account: email login, staff flag, and the profile a shop customer keeps.

    The default shipping address is all or nothing (a check constraint holds it): an
    order never starts from half an address.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=FULL_NAME_MAX_LENGTH, blank=True)
    phone = models.CharField(
        max_length=16, blank=True, default="", validators=[validate_phone], help_text="E.164, e.g. +4930123456"
    )
    shipping_line1 = models.CharField("street and number", max_length=200, blank=True, default="")
    shipping_line2 = models.CharField("address line 2", max_length=200, blank=True, default="")
    shipping_postal_code = models.CharField("postal code", max_length=16, blank=True, default="")
    shipping_city = models.CharField("city", max_length=100, blank=True, default="")
    shipping_country = models.CharField(
        "country", max_length=2, blank=True, default="", validators=[validate_country], help_text="ISO 3166-1, e.g. DE"
    )
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="identity_user_email_lowercase"),
            models.CheckConstraint(
                condition=models.Q(phone="") | models.Q(phone__regex=PHONE_PATTERN), name="identity_user_phone_e164"
            ),
            models.CheckConstraint(
                condition=models.Q(shipping_country="") | models.Q(shipping_country__regex=COUNTRY_PATTERN),
                name="identity_user_country_iso",
            ),
            models.CheckConstraint(
                condition=_address_complete_or_empty(),
                name="identity_user_address_complete",
                violation_error_message=ADDRESS_INCOMPLETE,
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def has_shipping_address(self) -> bool:
        return bool(self.shipping_line1)


class RevocationReason(models.TextChoices):
    LOGOUT = "logout", "logged out"
    REUSE_DETECTED = "reuse_detected", "a rotated token was used again"
    ADMIN = "admin", "revoked by staff"


class RefreshToken(models.Model):
    """One refresh token of a login session (its family). Only a SHA-256 digest is stored.

    Refreshing marks the presented token used and issues the next one in the same family;
    presenting a used token again means it leaked, so the whole family is revoked.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    family_id = models.UUIDField(db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, choices=RevocationReason.choices, blank=True, default="")

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["expires_at"], name="identity_refresh_expires")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_reason="")
                | models.Q(revoked_at__isnull=False) & ~models.Q(revoked_reason=""),
                name="identity_refresh_revoked_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"refresh token {self.id} of {self.user_id} (family {self.family_id})"
