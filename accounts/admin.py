from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UsernameField
from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from .models import DeletedClerkUser, User, UserPreferences


class OptionalUsernameField(UsernameField):
    """Clerk usernames are optional: an empty one is stored as NULL (unique only when set)."""

    def to_python(self, value: str | None) -> str | None:
        return None if value in self.empty_values else super().to_python(value)


# label -> the model whose rows, owned through a `user` foreign key, the users list counts. The
# apps that own such rows register them (`user_admin_count`), so accounts imports none of them.
_USER_COUNTS: dict[str, type[Model]] = {}


def user_admin_count(*, label: str, model: type[Model]) -> None:
    """Show on the users list how many rows of `model` each user owns."""
    _USER_COUNTS[label] = model


def _owned_count(model: type[Model]) -> Coalesce:
    rows = model._default_manager.filter(user=OuterRef("pk")).order_by().values("user")
    total = rows.annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def _count_column(label: str) -> Callable[[Any], int]:
    key = f"{label}_total"

    @admin.display(description=label, ordering=key)
    def column(user: Any) -> int:
        return getattr(user, key)

    column.__name__ = key  # the column's CSS class
    return column


class UserAdminChangeForm(UserChangeForm):
    image_url = forms.URLField(max_length=2048, required=False, assume_scheme="https")

    class Meta(UserChangeForm.Meta):
        model = User
        field_classes = {"username": OptionalUsernameField}


class UserPreferencesInline(admin.StackedInline):
    model = UserPreferences
    can_delete = False
    fields = ("settings", "onboarding", "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")


class ClerkAccountFilter(admin.SimpleListFilter):
    title = "account"
    parameter_name = "account"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("clerk", "Mirrored from Clerk"), ("local", "Local (no Clerk id)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() == "clerk":
            return queryset.exclude(clerk_user_id="")
        if self.value() == "local":
            return queryset.filter(clerk_user_id="")
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    list_display = (
        "email", "clerk_user_id", "first_name", "last_name", "is_staff", "is_active",
        "date_joined",
    )  # fmt: skip
    list_filter = (ClerkAccountFilter, "is_staff", "is_superuser", "is_active", "date_joined")
    search_fields = ("email", "clerk_user_id", "username", "first_name", "last_name")
    ordering = ("-date_joined",)
    readonly_fields = ("clerk_user_id", "clerk_created_at", "clerk_updated_at")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Clerk", {"fields": ("clerk_user_id", "image_url", "clerk_created_at",
                              "clerk_updated_at")}),
    )  # fmt: skip
    inlines = (UserPreferencesInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        counts = {f"{label}_total": _owned_count(model) for label, model in _USER_COUNTS.items()}
        return super().get_queryset(request).annotate(**counts)

    def get_list_display(self, request: HttpRequest) -> tuple:
        return (*self.list_display, *(_count_column(label) for label in _USER_COUNTS))

    def get_inlines(self, request: HttpRequest, obj: User | None) -> tuple:
        # A new user gets its preferences from the post_save signal; an add-page inline would
        # try to create a second row.
        return self.inlines if obj is not None else ()


@admin.register(DeletedClerkUser)
class DeletedClerkUserAdmin(admin.ModelAdmin):
    """Tombstones are written by the webhook only; removing one would let the user come back."""

    list_display = ("clerk_user_id", "deleted_at")
    search_fields = ("clerk_user_id",)
    date_hierarchy = "deleted_at"
    readonly_fields = ("clerk_user_id", "deleted_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
