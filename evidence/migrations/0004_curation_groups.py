"""Give the Curators and Editors groups the permissions of the review workflow.

Curators propose: they add and change evidence, suggested revisions, comments and
flags. Editors review: ``can_review_evidence`` lets them accept or reject evidence,
apply suggested revisions, resolve flags and restore earlier versions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATOR = [
    "view_evidencerevision", "add_evidencerevision",
    "view_evidencecomment", "add_evidencecomment",
    "view_evidenceflag", "add_evidenceflag",
]
EDITOR = CURATOR + [
    "change_evidencerevision",
    "change_evidencecomment", "delete_evidencecomment",
    "change_evidenceflag",
    "can_review_evidence",
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Curators", CURATOR), ("Editors", EDITOR)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="evidence", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Curators", CURATOR), ("Editors", EDITOR)):
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="evidence", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0003_curation_review"),
        ("evidence", "0002_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
