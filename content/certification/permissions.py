"""What Wagtail's "Editors" group may do with certification: keep issuers and programmes, see certificates
and revoke them. Certificates themselves are issued by the platform, never typed in."""

from django.apps import apps as global_apps

EDITORS_GROUP = "Editors"

EDITOR_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "issuer": ("add", "change", "view"),
    "programme": ("add", "change", "delete", "view"),
    "programmecourse": ("add", "change", "delete", "view"),
    "certificate": ("view", "revoke"),
}


def editor_certification_permissions_grant(*, apps=global_apps, using: str = "default"):
    """Add what the editors' group is missing here; never remove what an administrator added."""
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_config = apps.get_app_config("certification")
    previous = getattr(app_config, "models_module", None)
    if previous is None:
        # Historical app configs have no models module, which makes create_permissions skip the app.
        app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
    finally:
        if previous is None:
            app_config.models_module = previous
    group, _created = Group.objects.using(using).get_or_create(name=EDITORS_GROUP)
    codenames = [f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS.items() for action in actions]
    wanted = set(
        Permission.objects.using(using)
        .filter(content_type__app_label="certification", codename__in=codenames)
        .values_list("pk", flat=True)
    )
    missing = wanted - set(group.permissions.values_list("pk", flat=True))
    if missing:
        group.permissions.add(*missing)
    return group
