"""The statement store: every meaningful act, once, in the xAPI shape."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class XapiClient(models.Model):
    """A client that may call /xapi/statements with HTTP Basic credentials (key:secret).

    Only a hash of the secret is kept. Points come only from statements the server recorded
    itself or from clients an admin marked trusted.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    key = models.CharField(_("key"), max_length=40, unique=True)
    secret_hash = models.CharField(max_length=128)
    trusted = models.BooleanField(
        _("trusted"),
        default=False,
        help_text=_("Statements from a trusted client count towards contests and dashboards."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("xAPI client")
        verbose_name_plural = _("xAPI clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def statement_vouched_for(client: XapiClient | None) -> bool:
    """The trust rule, the one place it is written: a statement may change platform state (progress,
    certificates, points, what the recommender counts as done) only when the platform itself recorded it
    (no client) or an admin-trusted client sent it. Others' statements are stored and served as xAPI
    requires, and change nothing else. Stored with each statement as `Statement.trusted`."""
    return client is None or client.trusted


class StatementQuerySet(models.QuerySet):
    def trusted(self) -> StatementQuerySet:
        """Statements that may change platform state (see `statement_vouched_for`): every reader that decides
        progress, certificates, points or "done" reads through this."""
        return self.filter(trusted=True)


class Statement(models.Model):
    """One immutable statement. `full` keeps it exactly as GET returns it; the other columns index it."""

    id = models.UUIDField(primary_key=True)
    actor_ifi = models.CharField(
        _("actor"), max_length=512, db_index=True, help_text=_("The actor's inverse functional identifier.")
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statements",
        db_index=False,  # stmt_user_time (actor_user, timestamp) serves lookups by person
    )
    verb_id = models.CharField(_("verb"), max_length=512)
    object_id = models.CharField(_("object"), max_length=2048)
    object_type = models.CharField(_("object type"), max_length=20, default="Activity")
    activity_type = models.CharField(_("activity type"), max_length=512, blank=True)
    registration = models.UUIDField(null=True, blank=True)
    timestamp = models.DateTimeField(_("timestamp"))
    stored = models.DateTimeField(_("stored"))  # stmt_stored_id (stored, id) serves paging
    voided = models.BooleanField(_("voided"), default=False)
    # For voiding statements: the statement they void.
    voids = models.UUIDField(null=True, blank=True)
    client = models.ForeignKey(
        XapiClient, verbose_name=_("client"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trusted = models.BooleanField(
        _("trusted"), default=True, help_text=_("Recorded by the server or by a trusted client.")
    )
    full = models.JSONField(_("statement"))

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        indexes = [
            models.Index(fields=["verb_id", "timestamp"], name="stmt_verb_time"),
            models.Index(fields=["object_id"], name="stmt_object"),
            models.Index(fields=["actor_user", "timestamp"], name="stmt_user_time"),
            models.Index(fields=["stored", "id"], name="stmt_stored_id"),
            # Only voiding statements carry `voids`: a partial index stays small and costs other inserts nothing.
            models.Index(fields=["voids"], name="stmt_voids", condition=models.Q(voids__isnull=False)),
            # StatementRefs are few: GET with filters looks them up to return those whose target matches.
            models.Index(fields=["stored"], name="stmt_refs_stored", condition=models.Q(object_type="StatementRef")),
        ]

    def __str__(self) -> str:
        verb = self.verb_id.rsplit("/", 1)[-1]
        return f"{self.actor_ifi} {verb} {self.object_id}"


class Document(models.Model):
    """One xAPI document: a State, an Activity Profile or an Agent Profile, stored as the client sent it.

    `key` is a digest of everything that names the document (its kind, the namespace, the activity, the agent,
    the registration and the client's own id), so one short unique index serves every lookup however long
    the IRIs are. `scope` is 0 for the namespace trusted clients share, else the untrusted client's pk.
    """

    STATE = "state"
    ACTIVITY_PROFILE = "activity_profile"
    AGENT_PROFILE = "agent_profile"
    KINDS = [(STATE, "State"), (ACTIVITY_PROFILE, "Activity Profile"), (AGENT_PROFILE, "Agent Profile")]

    key = models.CharField(max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=KINDS)
    scope = models.PositiveIntegerField(default=0)
    activity_id = models.CharField(_("activity"), max_length=2048, blank=True)
    agent_ifi = models.CharField(_("agent"), max_length=512, blank=True)
    registration = models.UUIDField(null=True, blank=True)
    document_id = models.CharField(_("document id"), max_length=2048)
    # Every document of one activity/agent (and registration) shares a `group_key`: lists and deletes use it.
    group_key = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()
    etag = models.CharField(max_length=40)
    updated = models.DateTimeField(_("updated"))
    client = models.ForeignKey(XapiClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("xAPI document")
        verbose_name_plural = _("xAPI documents")

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id}"


class StatementAttachment(models.Model):
    """The raw data of a statement attachment sent in a multipart/mixed request, found by its SHA-2."""

    sha2 = models.CharField(max_length=128, primary_key=True)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()

    class Meta:
        verbose_name = _("statement attachment")
        verbose_name_plural = _("statement attachments")

    def __str__(self) -> str:
        return self.sha2
