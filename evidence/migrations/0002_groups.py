"""The Curators and Editors groups, with the permissions their roles need."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED = ["citation", "evidence", "drug", "drugalias", "cargo", "cargoalias", "cell", "cellalias",
           "mechanism", "therapyclass"]
# Curators enter and edit; only editors delete and (through the review workflow) accept.
CURATOR_ACTIONS = ["view", "add", "change"]
EDITOR_ACTIONS = ["view", "add", "change", "delete"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations run; create them now so
    # the groups can be given them in a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, actions in (("Curators", CURATOR_ACTIONS), ("Editors", EDITOR_ACTIONS)):
        group, _ = Group.objects.get_or_create(name=group_name)
        codenames = [f"{action}_{model}" for model in CURATED for action in actions]
        # Alias rows are part of editing an entity, so curators may delete them too.
        if group_name == "Curators":
            codenames += ["delete_drugalias", "delete_cargoalias", "delete_cellalias"]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="evidence",
                                                         codename__in=codenames))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Curators", "Editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
