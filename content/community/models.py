"""Village service stations and the direct line.

Stations (惠民服务中心 / 站 / 点) are hosted by a retail shop in a village; each offers services of the
catalogue (the taxonomy: four categories, 36 services) with its own hours, cost, eligibility and capacity.
The direct line (直通车) carries requests from a QR code to the staff of an organisation unit.

Every record the HSDS API serves has a UUID that never changes (`uuid`); the HSDS ids of the parts that have no
row of their own (a station's location, its phone) are derived from it (`hsds.derived_id`).
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.search import index

from core.people.models import OrgUnit, Shop, Village

DEFAULT_TIME_ZONE = "Asia/Shanghai"
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class Touched(models.Model):
    """`updated_at` moves on every save (HSDS's last_modified and `modified_after` read it). An import keeps the
    values it brings: it writes with bulk_create and update(), which do not call save()."""

    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "updated_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        super().save(*args, **kwargs)


class ServiceCategory(Touched, index.Indexed, models.Model):
    """One of the four categories of station services (便民服务, 惠民服务, 公益慈善, 基层治理)."""

    uuid = models.UUIDField(_("HSDS id"), default=uuid4, unique=True, editable=False)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("name_en"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceKind(Touched, index.Indexed, models.Model):
    """One service of the catalogue (a taxonomy term), e.g. 快递代收代寄 in 便民服务."""

    uuid = models.UUIDField(_("HSDS id"), default=uuid4, unique=True, editable=False)
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Stable code, e.g. parcel-pickup."))
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="kinds"
    )
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    has_capacity = models.BooleanField(
        _("has a capacity"),
        default=False,
        help_text=_("Stations show a number for this service: parcels waiting, seats free, boxes on the shelf."),
    )
    capacity_label = models.CharField(
        _("capacity label"), max_length=40, blank=True, help_text=_("What the number counts, e.g. 件待取.")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("code"),
        FieldPanel("category"),
        FieldRowPanel([FieldPanel("name"), FieldPanel("name_en")]),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("has_capacity"), FieldPanel("capacity_label")]),
        FieldRowPanel([FieldPanel("sort_order"), FieldPanel("active")]),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("category"),
        index.FilterField("active"),
    ]

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services of the catalogue")
        ordering = ["category__sort_order", "sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Partner(Touched, models.Model):
    """A partner enterprise that adds services in stations (post, telecom, a bank, an oil company)."""

    uuid = models.UUIDField(_("HSDS id"), default=uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Station(Touched, index.Indexed, ClusterableModel):
    """A village service centre, station or point, hosted by a retail shop."""

    class Kind(models.TextChoices):
        CENTRE = "centre", _("Service centre")
        STATION = "station", _("Service station")
        POINT = "point", _("Service point")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Open for service")
        CLOSED = "temporarily closed", _("Temporarily closed")
        INACTIVE = "inactive", _("Not in service")

    uuid = models.UUIDField(_("HSDS id"), default=uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STATION, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    shop = models.ForeignKey(
        Shop,
        verbose_name=_("host shop"),
        on_delete=models.PROTECT,
        related_name="stations",
        help_text=_("The retail shop that hosts the station; its owner keeps the station up to date."),
    )
    village = models.ForeignKey(
        Village, verbose_name=_("village or community"), on_delete=models.PROTECT, related_name="stations"
    )
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    time_zone = models.CharField(
        _("time zone"), max_length=40, default=DEFAULT_TIME_ZONE, help_text=_("IANA name, e.g. Asia/Shanghai.")
    )
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    partners = models.ManyToManyField(Partner, verbose_name=_("partners"), blank=True, related_name="stations")
    anonymous_requests = models.BooleanField(
        _("anonymous requests allowed"),
        default=True,
        help_text=_("Whether the station's QR code accepts requests without a name."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("status")]),
        FieldPanel("shop"),
        FieldPanel("village"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
                FieldPanel("time_zone"),
            ],
            heading=_("Place"),
        ),
        FieldRowPanel([FieldPanel("contact_name"), FieldPanel("phone")]),
        FieldPanel("partners"),
        FieldPanel("anonymous_requests"),
        InlinePanel("hours", label=_("Weekly opening hours")),
        InlinePanel("exceptions", label=_("Exceptions: holidays, temporary closures")),
        InlinePanel("photos", label=_("Photos")),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("address"),
        index.FilterField("kind"),
        index.FilterField("village"),
    ]

    class Meta:
        verbose_name = _("service station")
        verbose_name_plural = _("service stations")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="community_station_latlon")]

    def __str__(self) -> str:
        return self.name


class HoursBase(models.Model):
    """A weekly opening period. `closes` at or before `opens` means the period runs past midnight."""

    uuid = models.UUIDField(_("HSDS id"), default=uuid4, unique=True, editable=False)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("At or before the opening time: closes the next day."))

    panels = [FieldRowPanel([FieldPanel("weekday"), FieldPanel("opens"), FieldPanel("closes")])]

    class Meta:
        abstract = True
        ordering = ["weekday", "opens", "pk"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class WeeklyHours(HoursBase):
    """A station's weekly opening period."""

    station = ParentalKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="hours")

    class Meta(HoursBase.Meta):
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        # "Open now" in the station search asks each candidate station's periods of one weekday or two: read from
        # this index alone, without the table.
        indexes = [models.Index(fields=["station", "weekday", "opens", "closes"], name="community_hours_open")]


class HoursException(models.Model):
    """Days a station keeps other hours than usual: a holiday (closed), a temporary closure, short hours."""

    station = ParentalKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="exceptions")
    uuid = models.UUIDField(_("HSDS id"), default=uuid4, unique=True, editable=False)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to (inclusive)"))
    closed = models.BooleanField(_("closed all day"), default=True)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        FieldRowPanel([FieldPanel("closed"), FieldPanel("opens"), FieldPanel("closes")]),
        FieldPanel("reason"),
    ]

    class Meta:
        verbose_name = _("exception to the opening hours")
        verbose_name_plural = _("exceptions to the opening hours")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="community_exception_order"
            ),
            models.CheckConstraint(
                condition=models.Q(closed=True) | (models.Q(opens__isnull=False) & models.Q(closes__isnull=False)),
                name="community_exception_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}..{self.ends_on} {self.reason}"


class StationPhoto(models.Model):
    station = ParentalKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image"), on_delete=models.CASCADE, related_name="+"
    )
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [FieldPanel("image"), FieldPanel("caption")]

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.caption or str(self.image)


class Offer(Touched, models.Model):
    """A service of the catalogue as one station offers it (an HSDS service at the station's location)."""

    uuid = models.UUIDField(_("HSDS id"), default=uuid4, unique=True, editable=False)
    # The HSDS id of the service at its station's location (service_at_location).
    location_uuid = models.UUIDField(_("HSDS service-at-location id"), default=uuid4, unique=True, editable=False)
    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="offers")
    kind = models.ForeignKey(ServiceKind, verbose_name=_("service"), on_delete=models.PROTECT, related_name="offers")
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("provided with"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offers",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    cost = models.CharField(_("cost"), max_length=100, blank=True, help_text=_("Empty: free of charge."))
    eligibility = models.CharField(_("who may use it"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity now"), null=True, blank=True)
    capacity_updated_at = models.DateTimeField(_("capacity updated at"), null=True, blank=True)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("offered service")
        verbose_name_plural = _("offered services")
        ordering = ["station", "kind__category__sort_order", "kind__sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["station", "kind"], name="community_offer_once")]
        indexes = [models.Index(fields=["kind", "station"], name="community_offer_kind")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.station}"


class OfferHours(HoursBase):
    """Hours of one offered service, when they differ from the station's (they replace them for that service)."""

    offer = models.ForeignKey(Offer, verbose_name=_("service"), on_delete=models.CASCADE, related_name="hours")

    class Meta(HoursBase.Meta):
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")


# --- the direct line ----------------------------------------------------------------------------------------


class RequestCategory(models.Model):
    """What a direct-line request is about, with its response-time target."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    amber_after_hours = models.PositiveIntegerField(
        _("amber after (hours)"), help_text=_("An open request older than this shows amber on the staff list.")
    )
    target_hours = models.PositiveIntegerField(
        _("response target (hours)"),
        help_text=_("An open request older than this shows red and escalates to the next unit up."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldPanel("code"),
        FieldRowPanel([FieldPanel("name"), FieldPanel("name_en")]),
        FieldRowPanel([FieldPanel("amber_after_hours"), FieldPanel("target_hours")]),
        FieldPanel("sort_order"),
    ]

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_hours__gt=models.F("amber_after_hours")), name="community_target_after_amber"
            )
        ]

    def __str__(self) -> str:
        return self.name


class DirectLineUnit(models.Model):
    """How an organisation unit takes direct-line requests: who answers, and whether it accepts anonymous ones.
    A unit without a row answers through its staff (people of the unit with the staff role) and accepts them."""

    unit = models.OneToOneField(OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="direct_line")
    allow_anonymous = models.BooleanField(_("anonymous requests allowed"), default=True)
    responders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible staff"), blank=True, related_name="direct_line_units"
    )

    panels = [FieldPanel("unit"), FieldPanel("allow_anonymous"), FieldPanel("responders")]

    class Meta:
        verbose_name = _("direct line of a unit")
        verbose_name_plural = _("direct lines of units")

    def __str__(self) -> str:
        return str(self.unit)


class DirectRequest(models.Model):
    """A request sent through the direct line, and its way to being answered and closed."""

    class State(models.TextChoices):
        NEW = "new", pgettext_lazy("request state", "New")
        ASSIGNED = "assigned", pgettext_lazy("request state", "Assigned")
        IN_PROGRESS = "in_progress", pgettext_lazy("request state", "Being handled")
        RESOLVED = "resolved", pgettext_lazy("request state", "Resolved")
        CONFIRMED = "confirmed", pgettext_lazy("request state", "Confirmed")
        REOPENED = "reopened", pgettext_lazy("request state", "Reopened")

    OPEN_STATES = (State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED)

    uuid = models.UUIDField(_("id"), default=uuid4, unique=True, editable=False)
    category = models.ForeignKey(
        RequestCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="requests"
    )
    text = models.TextField(_("request"), max_length=2000)
    photo = models.ImageField(_("photo"), upload_to="direct-line/%Y/%m/", blank=True)
    # Where the QR code was: a station, a shop or only a unit. The unit answers.
    station = models.ForeignKey(
        Station, verbose_name=_("station"), null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_requests"
    )
    origin_unit = models.ForeignKey(OrgUnit, verbose_name=_("first unit"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("answering unit"), on_delete=models.PROTECT, related_name="direct_requests"
    )
    # Nobody is named for an anonymous request: no account, no contact.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_requests",
    )
    contact = models.CharField(_("contact"), max_length=64, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # Lets whoever holds it (the browser that sent it, an Open311 client) follow an anonymous request.
    tracking_token = models.CharField(max_length=43, unique=True, editable=False)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.NEW, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_requests",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalations"), default=0)
    due_at = models.DateTimeField(_("due at"), db_index=True)
    created_at = models.DateTimeField(_("sent at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("direct-line request")
        verbose_name_plural = _("direct-line requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["unit", "state"], name="community_request_queue")]

    def __str__(self) -> str:
        return f"{self.category}: {self.text[:30]}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class RequestEvent(models.Model):
    """One step of a request: a state change, a reply, an escalation. Replies are what the requester reads."""

    class Kind(models.TextChoices):
        FILED = "filed", _("Sent")
        ASSIGNED = "assigned", _("Assigned")
        STARTED = "started", _("Work started")
        REPLY = "reply", _("Reply")
        RESOLVED = "resolved", _("Resolved")
        CONFIRMED = "confirmed", _("Confirmed")
        REOPENED = "reopened", _("Reopened")
        ESCALATED = "escalated", _("Escalated")

    request = models.ForeignKey(DirectRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("text"), blank=True, max_length=2000)
    from_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
