"""Volunteer services: teams, activities (one-off or recurring by a rule), shifts, sign-ups with a waitlist,
check-in and hours with their history, the stars reached, and the small notification list reminders go to.

A recurring activity is one row with an RFC 5545 RRULE; its occurrences are computed (`Activity.occurrences`),
never copied. A sign-up names the shift and the occurrence's start, so "every Saturday morning" holds 30 places
each Saturday without a row per Saturday until someone signs up.

The place is a free address plus an optional `station_ref`, a generic key ("community.station:12") another app
resolves through `places.place_resolver_register`: this app never imports the station catalogue's models.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.search import index

from . import recurrence


def _join_code() -> str:
    return secrets.token_hex(4).upper()


def _secret() -> str:
    return secrets.token_urlsafe(24)


class Team(index.Indexed, models.Model):
    """A volunteer team (志愿服务队) of one organisation unit, perhaps a party branch's."""

    name = models.CharField(_("name"), max_length=100)
    org_unit = models.ForeignKey(
        "people.OrgUnit", verbose_name=_("organisation unit"), on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        "people.PartyBranch",
        verbose_name=_("party branch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Set when the team is a party branch's team."),
    )
    description = models.TextField(_("description"), blank=True)
    join_code = models.CharField(
        _("join code"),
        max_length=16,
        unique=True,
        default=_join_code,
        help_text=_("People with this code join at once."),
    )
    calendar_token = models.CharField(_("calendar token"), max_length=64, unique=True, default=_secret, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="TeamMembership",
        through_fields=("team", "user"),
        related_name="volunteer_teams",
        verbose_name=_("members"),
    )

    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.FilterField("org_unit")]

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("volunteering:team", args=[self.pk])


class TeamMembership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        MEMBER = "member", _("Member")

    class Status(models.TextChoices):
        PENDING = "pending", _("Applied")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", _("Declined")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="volunteering_unique_member")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.team}"


class Activity(index.Indexed, models.Model):
    class Category(models.TextChoices):
        CIVILITY = "civility", _("Civilised customs")
        SAFETY = "safety", _("Safety patrol")
        MEDIATION = "mediation", _("Mediation")
        ENVIRONMENT = "environment", _("Environment")
        LEGAL = "legal", _("Legal publicity")
        FRAUD = "fraud", _("Fraud prevention")
        CARE = "care", _("Helping the old, sick and disabled")
        GRID_VISIT = "grid_visit", _("Village visits")

    class Visibility(models.TextChoices):
        TEAM = "team", _("Team members only")
        UNIT = "unit", _("The team's unit")
        PUBLIC = "public", _("Everyone")

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="activities")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    address = models.CharField(_("address"), max_length=200, help_text=_("Where to meet, in words."))
    station_ref = models.CharField(
        _("station"),
        max_length=80,
        blank=True,
        help_text=_('A station of the community catalogue, as "app.kind:id"; the address is shown when it is gone.'),
    )
    starts_at = models.DateTimeField(_("starts at"), help_text=_("The first (or only) occurrence."))
    ends_at = models.DateTimeField(_("ends at"))
    rrule = models.CharField(
        _("repeats"),
        max_length=200,
        blank=True,
        help_text=_('An iCalendar RRULE, e.g. "FREQ=WEEKLY;BYDAY=SA;COUNT=20"; empty for a one-off activity.'),
    )
    skills = models.CharField(_("skills wanted"), max_length=200, blank=True, help_text=_("Comma-separated."))
    visibility = models.CharField(_("who may see and join"), max_length=8, choices=Visibility.choices)
    adults_only = models.BooleanField(_("18 or older"), default=False, help_text=_("Shown as a minimum age of 18."))
    confirm_day_ahead = models.BooleanField(
        _("ask for confirmation a day ahead"), default=False, help_text=_("Volunteers confirm the day before.")
    )
    cancelled = models.BooleanField(_("cancelled"), default=False)
    qr_secret = models.CharField(max_length=64, default=_secret, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.SearchField("description"),
        index.FilterField("category"),
    ]

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("volunteering:activity", args=[self.pk])

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The activity must end after it starts.")})
        if self.rrule:
            try:
                recurrence.rule_validate(self.rrule)
            except ValueError as exc:
                raise ValidationError({"rrule": str(exc)}) from exc

    @property
    def item_id(self) -> str:
        return f"volunteer:{self.pk}"

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at

    @property
    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.replace("，", ",").split(",") if s.strip()]

    def occurrences(self, *, after: dt.datetime, before: dt.datetime) -> list[dt.datetime]:
        """Occurrence starts in [after, before): the one start, or the rule's."""
        return recurrence.starts_between(self.starts_at, self.rrule, after=after, before=before)

    def is_occurrence(self, start: dt.datetime) -> bool:
        return recurrence.is_start(self.starts_at, self.rrule, start)


class Shift(models.Model):
    """A part of an activity with its own places, as offsets from each occurrence's start."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="shifts")
    label = models.CharField(_("label"), max_length=60, blank=True)
    offset_minutes = models.PositiveIntegerField(_("starts (minutes after the activity)"), default=0)
    length_minutes = models.PositiveIntegerField(
        _("length (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(24 * 60)]
    )
    capacity = models.PositiveIntegerField(_("places"), validators=[MinValueValidator(1), MaxValueValidator(10000)])

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["activity", "offset_minutes", "pk"]

    def __str__(self) -> str:
        return self.label or str(self.activity)

    def starts(self, occurrence: dt.datetime) -> dt.datetime:
        return occurrence + dt.timedelta(minutes=self.offset_minutes)

    def ends(self, occurrence: dt.datetime) -> dt.datetime:
        return self.starts(occurrence) + dt.timedelta(minutes=self.length_minutes)


class SignUp(models.Model):
    """One person's place (or place in the queue) on one shift of one occurrence. Never deleted: cancelled."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="signups")
    occurrence = models.DateTimeField(_("occurrence"), help_text=_("The start of the activity's occurrence."))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer_signups")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    promoted_at = models.DateTimeField(_("moved up from the waitlist at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    day_ahead_confirmed_at = models.DateTimeField(_("confirmed the day before at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["pk"]  # arrival order: ids are taken under the shift's lock
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "occurrence", "user"],
                condition=Q(status__in=["confirmed", "waiting"]),
                name="volunteering_one_live_signup",
            )
        ]
        indexes = [models.Index(fields=["shift", "occurrence", "status"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.shift} · {self.occurrence:%Y-%m-%d}"

    @property
    def starts_at(self) -> dt.datetime:
        return self.shift.starts(self.occurrence)

    @property
    def ends_at(self) -> dt.datetime:
        return self.shift.ends(self.occurrence)


class ShiftPlaces(models.Model):
    """The live sign-ups of one shift on one occurrence, counted as they are written: the row every sign-up and
    cancellation of that shift and occurrence locks, so a sign-up decides "place or waitlist" from this row
    instead of counting the sign-ups. Written only by `services` (under its own lock), made on the first
    sign-up from the sign-ups already there; the sign-ups stay the truth the pages count."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="places")
    occurrence = models.DateTimeField(_("occurrence"))
    confirmed = models.PositiveIntegerField(_("confirmed places"), default=0)
    waiting = models.PositiveIntegerField(_("waiting"), default=0)

    class Meta:
        verbose_name = _("places of a shift")
        verbose_name_plural = _("places of shifts")
        constraints = [
            models.UniqueConstraint(fields=["shift", "occurrence"], name="volunteering_one_places_row"),
        ]

    def __str__(self) -> str:
        return f"{self.shift} · {self.occurrence:%Y-%m-%d}: {self.confirmed}/{self.shift.capacity}"


class HoursEntry(models.Model):
    """The hours of one sign-up: from check-in and check-out, then approved, adjusted or declined by a leader.
    Never deleted; every change is a `HoursChange` row."""

    class Status(models.TextChoices):
        OPEN = "open", _("Checked in")
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    signup = models.OneToOneField(SignUp, on_delete=models.PROTECT, related_name="hours")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer_hours")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="hours")
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    auto_closed = models.BooleanField(
        _("check-out forgotten"), default=False, help_text=_("Closed by the platform after the limit.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, default=Decimal(0))
    approved_hours = models.DecimalField(_("approved hours"), max_digits=6, decimal_places=2, default=Decimal(0))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("volunteer hours")
        verbose_name_plural = _("volunteer hours")
        ordering = ["-checked_in_at"]
        indexes = [models.Index(fields=["user", "status"]), models.Index(fields=["activity", "status"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.activity} · {self.hours} h"


class HoursChange(models.Model):
    """One change of an hours entry, kept for ever."""

    class Action(models.TextChoices):
        CHECK_IN = "check_in", _("Checked in")
        CHECK_OUT = "check_out", _("Checked out")
        AUTO_CLOSE = "auto_close", _("Closed: check-out forgotten")
        APPROVE = "approve", _("Approved")
        ADJUST = "adjust", _("Adjusted and approved")
        DECLINE = "decline", _("Declined")

    entry = models.ForeignKey(HoursEntry, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    hours_before = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    hours_after = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    via = models.CharField(_("via"), max_length=10, blank=True, help_text=_("qr, leader or platform"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("hours change")
        verbose_name_plural = _("hours changes")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.hours_before} -> {self.hours_after}"


class StarAward(models.Model):
    """A star level a volunteer reached, with the Open Badges certificate issued for it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer_stars")
    stars = models.PositiveSmallIntegerField(_("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    hours = models.DecimalField(_("approved hours then"), max_digits=8, decimal_places=2)
    reached_at = models.DateTimeField(_("reached at"), default=timezone.now)
    certificate_uuid = models.UUIDField(_("certificate"), null=True, blank=True)

    class Meta:
        verbose_name = _("star reached")
        verbose_name_plural = _("stars reached")
        ordering = ["user", "stars"]
        constraints = [models.UniqueConstraint(fields=["user", "stars"], name="volunteering_one_award_per_star")]

    def __str__(self) -> str:
        return f"{self.user} ★{self.stars}"


class VolunteerProfile(models.Model):
    """How many times the person renewed their private calendar address (its token is signed with this)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_profile")
    calendar_version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.user)


class Notification(models.Model):
    """The site's notification list (the house had none): reminders, promotions from the waitlist, decisions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteering_notifications"
    )
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(max_length=120, blank=True, help_text="Natural key, so one reminder is sent once.")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""), name="volunteering_notify_once")
        ]

    def __str__(self) -> str:
        return self.text
