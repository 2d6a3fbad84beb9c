"""Professional certifications: who issues them, what a programme asks for, and the certificates themselves.

A certificate is an Open Badges 2.0 hosted assertion (see openbadges.py): the programme is its badge class and
the issuer its issuer profile. A programme names the learning app's course pages and final quiz page; whether a
person met them is read from the statement store (learning.py), never from the learning app's tables.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.models import Orderable
from wagtail.search import index


class Issuer(index.Indexed, models.Model):
    """The organisation that awards certificates (an Open Badges issuer profile)."""

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("website"), help_text=_("The issuer's home page, shown on every certificate."))
    email = models.EmailField(_("contact e-mail"), help_text=_("Where people can ask whether a certificate holds."))
    telephone = models.CharField(_("telephone"), max_length=30, blank=True)
    description = models.TextField(_("description"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("url"),
        FieldPanel("email"),
        FieldPanel("telephone"),
        FieldPanel("description"),
        FieldPanel("image"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("certificate issuer")
        verbose_name_plural = _("certificate issuers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_json_path(self) -> str:
        return reverse("certification:issuer-json", args=[self.pk])


class Programme(index.Indexed, ClusterableModel):
    """A certification programme: pass its courses and its final quiz and the certificate is issued at once."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        allow_unicode=False,
        help_text=_("Part of the badge's public address; do not change it once certificates are issued."),
    )
    description = models.TextField(_("description"), help_text=_("What the certificate says about its holder."))
    criteria = models.TextField(
        _("criteria"), help_text=_("In plain words: what a person must do to earn the certificate.")
    )
    final_quiz = models.ForeignKey(
        "learning.QuizPage",
        verbose_name=_("final quiz"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The quiz a person must pass last; leave empty when the courses are enough."),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "The lowest final-quiz score, in per cent, that earns the certificate; at most the quiz's own pass "
            "mark, since a passed quiz cannot be taken again."
        ),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("How long a certificate holds; leave empty for no expiry."),
    )
    issuer = models.ForeignKey(Issuer, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="programmes")
    badge_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("badge image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A square PNG or SVG; a plain seal is drawn when empty."),
    )
    tags = models.CharField(_("tags"), max_length=200, blank=True, help_text=_("Comma-separated."))
    active = models.BooleanField(_("active"), default=True, help_text=_("Only active programmes issue certificates."))

    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("criteria"),
        InlinePanel("required_courses", label=_("Required courses"), min_num=0),
        MultiFieldPanel(
            [PageChooserPanel("final_quiz"), FieldPanel("pass_mark")],
            heading=_("Final quiz"),
        ),
        FieldPanel("validity_months"),
        FieldPanel("issuer"),
        FieldPanel("badge_image"),
        FieldPanel("tags"),
        FieldPanel("active"),
    ]
    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.SearchField("description"),
        index.FilterField("active"),
    ]

    class Meta:
        verbose_name = _("certification programme")
        verbose_name_plural = _("certification programmes")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.final_quiz_id and self.pass_mark > self.final_quiz.pass_mark:
            raise ValidationError(
                {
                    "pass_mark": _(
                        "At most %(mark)d: the final quiz's own pass mark. A learner who passes it cannot take it "
                        "again, so a higher mark could never be reached."
                    )
                    % {"mark": self.final_quiz.pass_mark}
                }
            )

    def get_badge_path(self) -> str:
        return reverse("certification:badge-json", args=[self.slug])

    def get_absolute_url(self) -> str:
        return reverse("certification:programme", args=[self.slug])

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


class ProgrammeCourse(Orderable):
    programme = ParentalKey(Programme, on_delete=models.CASCADE, related_name="required_courses")
    course = models.ForeignKey(
        "learning.CoursePage",
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    panels = [PageChooserPanel("course")]

    class Meta(Orderable.Meta):
        verbose_name = _("required course")
        verbose_name_plural = _("required courses")
        constraints = [models.UniqueConstraint(fields=["programme", "course"], name="unique_programme_course")]

    def __str__(self) -> str:
        return str(self.course)


class CertificateQuerySet(models.QuerySet):
    def valid(self, at=None):
        """Neither revoked nor expired at `at` (now by default)."""
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))

    def unrevoked(self):
        return self.filter(revoked_at__isnull=True)


class Certificate(models.Model):
    """One person's certificate of one programme: an Open Badges 2.0 hosted assertion."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    class RecipientType(models.TextChoices):
        EMAIL = "email", _("e-mail")
        TELEPHONE = "telephone", _("telephone")
        URL = "url", _("URL")

    uuid = models.UUIDField(_("number"), default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="certificates"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="certificates"
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revocation_reason = models.CharField(_("revocation reason"), max_length=300, blank=True)
    evidence = models.JSONField(
        _("evidence"), default=list, blank=True, help_text=_("What the holder did: courses completed, quiz score.")
    )
    # The recipient identity as it was when the certificate was issued: the published hash must keep matching.
    recipient_type = models.CharField(max_length=10, choices=RecipientType.choices, default=RecipientType.URL)
    recipient_identity = models.CharField(max_length=254)
    salt = models.CharField(max_length=32)

    objects = CertificateQuerySet.as_manager()

    panels = [
        FieldPanel("recipient", read_only=True),
        FieldPanel("programme", read_only=True),
        FieldPanel("issued_at", read_only=True),
        FieldPanel("expires_at", read_only=True),
        FieldPanel("revoked_at", read_only=True),
        FieldPanel("revocation_reason", read_only=True),
    ]

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        permissions = [("revoke_certificate", _("Can revoke certificates"))]
        indexes = [
            models.Index(fields=["recipient", "programme"], name="cert_recipient_programme"),
            models.Index(fields=["programme", "revoked_at", "expires_at"], name="cert_programme_validity"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.recipient}"

    def get_absolute_url(self) -> str:
        return reverse("certification:verify", args=[self.uuid])

    def status_at(self, at=None) -> str:
        at = at or timezone.now()
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= at:
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def status(self) -> str:
        return self.status_at()

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    def get_assertion_path(self) -> str:
        return reverse("certification:assertion-json", args=[self.uuid])

    def get_print_url(self) -> str:
        return reverse("certification:print", args=[self.uuid])
