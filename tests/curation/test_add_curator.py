"""Curator onboarding (issue 13): a curator made by the command signs in and curates; a user
only in the Curators group, without staff status, could not sign in to the admin."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough passphrase 42"


def add(*args, password=PASSWORD):
    import sys

    stdin, sys.stdin = sys.stdin, io.StringIO(password + "\n")
    try:
        out = io.StringIO()
        call_command("add_curator", *args, "--password-stdin", stdout=out)
        return out.getvalue()
    finally:
        sys.stdin = stdin


def test_a_new_curator_signs_in_and_can_curate_but_not_review(client):
    assert "Created ada as curator" in add("ada", "--name", "Ada Lovelace", "--email", "ada@example.org")
    user = get_user_model().objects.get(username="ada")
    assert user.is_staff and not user.is_superuser and user.get_full_name() == "Ada Lovelace"
    assert user.has_perm("evidence.change_evidence") and not user.has_perm("evidence.can_review_evidence")
    response = client.post("/admin/login/?next=/admin/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/evidence/evidence/add/").status_code == 200


def test_running_it_again_makes_an_editor_without_a_second_account():
    add("grace")
    assert "Updated grace as editor and curator" in add("grace", "--editor")
    user = get_user_model().objects.get(username="grace")
    assert user.has_perm("evidence.can_review_evidence")
    assert set(user.groups.values_list("name", flat=True)) == {"Curators", "Editors"}
    assert get_user_model().objects.filter(username="grace").count() == 1


def test_a_weak_password_is_refused_and_nothing_is_saved():
    with pytest.raises(CommandError, match="Password refused"):
        add("weak", password="123")
    assert not get_user_model().objects.filter(username="weak").exists()
