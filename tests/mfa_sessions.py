"""Sign a test client in as someone who has given their second step (a confirmed TOTP device,
recorded in the session the way django-otp's own `login` does)."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.models import User


def sign_in_verified(client: Client, user: User) -> Client:
    device = TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
