"""Admin pieces every app's admin may use: a paginator for tables too large to count, and
read-only admins."""

from typing import Any

from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest
from django.utils.functional import cached_property

COUNT_LIMIT = 10_000


class LargeTablePaginator(Paginator):
    """Never a COUNT(*) over the whole table: the planner's estimate, or a count that stops at
    COUNT_LIMIT (shown as "10,000+" by the admin's templates through `count_label`)."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where:
            estimate = _estimated_rows(queryset.model._meta.db_table)
            if estimate >= COUNT_LIMIT:
                return estimate
        return queryset.order_by()[:COUNT_LIMIT].count()

    @property
    def count_label(self) -> str:
        capped = self.count == COUNT_LIMIT and bool(self.object_list.query.where)
        return f"{self.count:,}+" if capped else f"{self.count:,}"


def _estimated_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        return int(cursor.fetchone()[0])


class ReadOnlyAdminMixin:
    """Staff may look, not add, change or delete (actions may still call a service)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
