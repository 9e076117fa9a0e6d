"""Create (or update) a person who curates: a staff account (the admin refuses a login without
staff status) in the Curators group, and with --editor in the Editors group too."""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create or update a curator who can sign in at /admin/ and curate (staff, Curators group); "
        "--editor also lets them review (Editors group). Asks for a password, or reads one line "
        "from stdin with --password-stdin. Running it again updates the groups, never duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--editor", action="store_true", help="Also an editor: accepts, rejects, applies revisions."
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--name", default="", help='Full name, shown to other curators (e.g. "Ada Lovelace").')
        parser.add_argument("--password-stdin", action="store_true", help="Read the password from stdin.")
        parser.add_argument("--no-password", action="store_true", help="Keep the current password (or none).")

    def handle(self, *args, username, editor, email, name, password_stdin, no_password, **options):
        groups = ["Curators", "Editors"] if editor else ["Curators"]
        missing = [g for g in groups if not Group.objects.filter(name=g).exists()]
        if missing:
            raise CommandError(f"The {', '.join(missing)} group is missing: run `manage.py migrate` first.")
        User = get_user_model()
        user = User.objects.filter(username=username).first() or User(username=username)
        password = None if no_password else self.read_password(password_stdin)
        if password is not None:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                raise CommandError("Password refused: " + " ".join(exc.messages)) from None
        created = user.pk is None
        with transaction.atomic():
            user.is_staff = user.is_active = True
            if email:
                user.email = email
            if name:
                user.first_name, _, user.last_name = name.partition(" ")
            if password is not None:
                user.set_password(password)
            elif created:
                user.set_unusable_password()
            user.save()
            user.groups.add(*Group.objects.filter(name__in=groups))
        role = "editor and curator" if editor else "curator"
        self.stdout.write(f"{'Created' if created else 'Updated'} {username} as {role}; sign in at /admin/.")

    def read_password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ; nothing was changed.")
        if not password:
            raise CommandError("An empty password; nothing was changed (use --no-password to keep the current one).")
        return password
