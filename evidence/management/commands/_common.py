"""What the curation commands share: who the history records as the author, and a progress bar."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from tqdm import tqdm

IMPORT_USERNAME = "exoresist-import"


def history_user(username: str | None):
    """The user recorded in the history: the one named, or a dedicated inactive import account."""
    User = get_user_model()
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}; give --user an existing username.")
        return user
    user, created = User.objects.get_or_create(
        username=IMPORT_USERNAME, defaults={"first_name": "ExoResist", "last_name": "bulk import", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def progress_factory(show: bool):
    def progress(items, **kwargs):
        return tqdm(items, disable=not show, file=sys.stderr, mininterval=0.5, **kwargs)

    return progress
