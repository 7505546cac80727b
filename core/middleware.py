"""Sessions, Django's user and messages for the admin and pages only, not for the API.

The API authenticates every request by its Clerk token (DRF) and never reads a session or a
message, so there these are pure cost (messages alone were 8% of users/me, py-spy). Each class
here is the Django middleware it subclasses, skipped under API_PATH_PREFIX, so that the admin's
system checks still find what the admin needs.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse


class _OutsideTheAPI:
    get_response: Callable[[HttpRequest], HttpResponse]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(settings.API_PATH_PREFIX):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class BrowserSessionMiddleware(_OutsideTheAPI, SessionMiddleware):
    pass


class BrowserAuthenticationMiddleware(_OutsideTheAPI, AuthenticationMiddleware):
    pass


class BrowserMessageMiddleware(_OutsideTheAPI, MessageMiddleware):
    pass
