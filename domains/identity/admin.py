"""Identity admin: accounts with their profile, and login sessions staff can revoke."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from domains.identity import sessions
from domains.identity.models import ADDRESS_FIELDS, RefreshToken, RevocationReason, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "shipping_country")
    search_fields = ("email", "full_name", "phone")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "phone")}),
        ("Default shipping address", {"fields": ADDRESS_FIELDS}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    actions = ("revoke_sessions",)

    @admin.action(description="Log out everywhere (revoke all refresh tokens)")
    def revoke_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        revoked = sum(
            sessions.revoke_sessions(user_id=user_id, reason=RevocationReason.ADMIN)
            for user_id in queryset.values_list("id", flat=True)
        )
        self.message_user(
            request,
            f"Revoked {revoked} refresh tokens. Access tokens already issued stay valid until they expire.",
            messages.SUCCESS,
        )


@admin.register(RefreshToken)
class RefreshTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are made by logging in and ended by the services."""

    list_display = ("user", "family_id", "created_at", "expires_at", "used_at", "revoked_at", "revoked_reason")
    list_filter = ("revoked_reason",)
    search_fields = ("user__email", "family_id")
    readonly_fields = [field.name for field in RefreshToken._meta.fields]
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RefreshToken | None = None) -> bool:
        return False
