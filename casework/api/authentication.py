"""API tokens that expire: refused and deleted API_TOKEN_LIFETIME_HOURS after they were issued.

A token is DRF's (one per user, `Authorization: Token <key>`). Asking for a token again at
/api/v1/auth/token/ gives the same one while it lasts and a new one after; a token is revoked
by its holder (POST /api/v1/auth/token/revoke/) and, with every session of its user, by
"sign out everywhere", a password change and deactivation (casework.services.user_end_sessions).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from ..models import User


def token_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS)


def token_expired(token: Token, now: datetime.datetime | None = None) -> bool:
    issued: datetime.datetime = token.created
    return (now or timezone.now()) >= issued + token_lifetime()


@transaction.atomic
def token_for(user: User) -> Token:
    """The user's token: the one they have while it lasts, else a new one."""
    token, created = Token.objects.select_for_update().get_or_create(user=user)
    if not created and token_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing (and deleting) a token past its lifetime."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            Token.objects.filter(pk=token.pk).delete()
            raise AuthenticationFailed(
                _(
                    "This token has expired: tokens last %(hours)d hours. "
                    "Ask for a new one at /api/v1/auth/token/."
                )
                % {"hours": settings.API_TOKEN_LIFETIME_HOURS}
            )
        return user, token
