"""Who may use the people screens of the Wagtail admin.

Editors (the role `editor`) sit in Wagtail's "Editors" group; this module gives that group what it needs
here. The data migration calls it with the historical models so it holds on every install; the demo seed
calls it again, which changes nothing when the permissions are already there.
"""

from django.apps import apps as global_apps

EDITORS_GROUP = "Editors"

# model name -> actions the editors' group may take on it. Editors may not delete organisation units
# (a unit holds shops and people) nor people (accounts are deactivated, not deleted).
EDITOR_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "orgunit": ("add", "change", "view"),
    "shop": ("add", "change", "delete", "view"),
    "village": ("add", "change", "delete", "view"),
    "partybranch": ("add", "change", "delete", "view"),
    "branchmembership": ("add", "change", "delete", "view"),
    "person": ("add", "change", "view"),
}


def editor_permissions_grant(
    *,
    app_label: str,
    permissions: dict[str, tuple[str, ...]],
    with_admin_access: bool = False,
    apps=global_apps,
    using: str = "default",
):
    """The one way an app gives the editors' group its permissions: ``permissions`` maps a model name of
    ``app_label`` to the actions the group may take on it. Makes sure the group exists (and, with
    ``with_admin_access``, may open the Wagtail admin); adds what is missing, never removes what an
    administrator added. Works with the live registry and with a migration's historical models. Returns the group."""
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    # On a fresh install the permissions of this app do not exist yet while migrations run
    # (Django creates them after `migrate`): create them now.
    app_config = apps.get_app_config(app_label)
    # Historical app configs (migrations) have models_module unset or missing, which makes
    # create_permissions skip the app: mark it as having models for the duration of the call.
    previous = getattr(app_config, "models_module", None)
    if previous is None:
        app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
    finally:
        if previous is None:
            app_config.models_module = previous

    group, _created = Group.objects.using(using).get_or_create(name=EDITORS_GROUP)
    codenames = [f"{action}_{model}" for model, actions in permissions.items() for action in actions]
    wanted = set(
        Permission.objects.using(using)
        .filter(content_type__app_label=app_label, codename__in=codenames)
        .values_list("pk", flat=True)
    )
    if with_admin_access:
        wanted |= set(
            Permission.objects.using(using)
            .filter(content_type__app_label="wagtailadmin", codename="access_admin")
            .values_list("pk", flat=True)
        )
    missing = wanted - set(group.permissions.values_list("pk", flat=True))
    if missing:
        group.permissions.add(*missing)
    return group


def editor_group_permissions_grant(*, apps=global_apps, using: str = "default"):
    """Make sure the editors' group exists, may open the Wagtail admin, and may manage people and units."""
    return editor_permissions_grant(
        app_label="people", permissions=EDITOR_PERMISSIONS, with_admin_access=True, apps=apps, using=using
    )
