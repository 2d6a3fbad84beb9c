"""What Wagtail's "Editors" group may do with certification: keep issuers and programmes, see certificates
and revoke them. Certificates themselves are issued by the platform, never typed in."""

from django.apps import apps as global_apps

from core.people.permissions import editor_permissions_grant

EDITOR_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "issuer": ("add", "change", "view"),
    "programme": ("add", "change", "delete", "view"),
    "programmecourse": ("add", "change", "delete", "view"),
    "certificate": ("view", "revoke"),
}


def editor_certification_permissions_grant(*, apps=global_apps, using: str = "default"):
    """Add what the editors' group is missing here; never remove what an administrator added."""
    return editor_permissions_grant(app_label="certification", permissions=EDITOR_PERMISSIONS, apps=apps, using=using)
