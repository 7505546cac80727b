"""DRF authentication with Clerk session tokens: `Authorization: Bearer`, else `__session`."""

from typing import Any

from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from .clerk import InvalidSessionToken, SigningKeysUnavailable, verify_session_token
from .models import User
from .origins import request_origin_is_trusted
from .services import UserTombstoned, user_get_or_create_by_clerk_id

SESSION_COOKIE = "__session"


class CsrfFailed(exceptions.PermissionDenied):
    default_detail = (
        "A request authenticated by the session cookie must come from a trusted Origin."
    )
    default_code = "csrf_failed"


class AuthenticationUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Sign-in cannot be checked right now; try again shortly."
    default_code = "authentication_unavailable"


def session_token_from(request: Request) -> str | None:
    """The token the request carries for us, None when it carries none of ours.

    A Bearer header is used exclusively: a bad one never falls back to the cookie.
    """
    header = get_authorization_header(request).split()
    if not header:
        return request.COOKIES.get(SESSION_COOKIE) or None
    if header[0].lower() != b"bearer":
        return None
    if len(header) != 2:
        raise exceptions.AuthenticationFailed("Invalid Bearer header: expected one token.")
    try:
        return header[1].decode("ascii")
    except UnicodeDecodeError:
        raise exceptions.AuthenticationFailed("The session token is malformed.") from None


def user_for_session_token(token: str) -> tuple[User, dict[str, Any]]:
    """The active user a Clerk session token names, and its claims (API and websockets).

    Raises InvalidSessionToken (also for a deleted or disabled account) or SigningKeysUnavailable.
    """
    claims = verify_session_token(token)
    try:
        user = user_get_or_create_by_clerk_id(clerk_user_id=claims["sub"])
    except UserTombstoned:
        raise InvalidSessionToken("This account has been deleted.") from None
    if not user.is_active:
        raise InvalidSessionToken("This account is disabled.")
    return user, claims


def _needs_trusted_origin(request: Request) -> bool:
    """A browser sends the cookie with any site's request: an unsafe one must come from us."""
    return request.method not in SAFE_METHODS and not get_authorization_header(request)


class ClerkAuthentication(BaseAuthentication):
    """Authenticates a Clerk session token; the verified claims become `request.auth`."""

    def authenticate(self, request: Request) -> tuple[User, dict[str, Any]] | None:
        token = session_token_from(request)
        if token is None:
            return None
        if _needs_trusted_origin(request) and not request_origin_is_trusted(request.headers):
            raise CsrfFailed()
        try:
            return user_for_session_token(token)
        except InvalidSessionToken as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        except SigningKeysUnavailable as exc:
            raise AuthenticationUnavailable() from exc

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"
