"""What Wagtail's "Editors" group may do here: keep the chat word filter."""

from django.apps import apps as global_apps

from core.people.permissions import editor_permissions_grant

EDITOR_PERMISSIONS: dict[str, tuple[str, ...]] = {"bannedword": ("add", "change", "delete", "view")}


def editor_livestreams_permissions_grant(*, apps=global_apps, using: str = "default"):
    """Add what the editors' group is missing here; never remove what an administrator added."""
    return editor_permissions_grant(app_label="livestreams", permissions=EDITOR_PERMISSIONS, apps=apps, using=using)
