"""Field work: work lists (templates of tasks per role, ticked items, objectives), shop visits with check-in,
problems handed down and closed by both sides, and questionnaires."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable
from wagtail.search import index


class FieldRole(models.TextChoices):
    CUSTOMER_MANAGER = "customer_manager", _("Customer manager")
    INSPECTOR = "inspector", _("Market inspector")
    DELIVERER = "deliverer", _("Delivery driver")


class FieldWorker(models.Model):
    """A staff member serving the shops of one or more grids in one front-line role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="field_worker"
    )
    role = models.CharField(_("field role"), max_length=20, choices=FieldRole.choices)
    grids = models.ManyToManyField(
        "people.OrgUnit",
        verbose_name=_("grids"),
        related_name="field_workers",
        limit_choices_to={"kind": "grid"},
        help_text=_("The grids whose shops this person serves."),
    )

    panels = [FieldPanel("user"), FieldPanel("role"), FieldPanel("grids")]

    class Meta:
        verbose_name = _("field worker")
        verbose_name_plural = _("field workers")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class ShopPlace(models.Model):
    """Where a shop is, for check-in by location."""

    shop = models.OneToOneField("people.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="place")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)

    panels = [FieldPanel("shop"), FieldPanel("latitude"), FieldPanel("longitude")]

    class Meta:
        verbose_name = _("shop location")
        verbose_name_plural = _("shop locations")

    def __str__(self) -> str:
        return f"{self.shop}: {self.latitude}, {self.longitude}"


# --- work lists --------------------------------------------------------------------------------------------


class Cadence(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    PER_SHOP = "per_shop", _("Per shop per cycle")


class Evidence(models.TextChoices):
    NONE = "none", _("Nothing")
    CHECK_IN = "check_in", _("Check-in at a shop")
    PHOTO = "photo", _("Photo")
    CHECKLIST = "checklist", _("Checklist")
    NOTE = "note", _("Note")


class WorkListTemplate(index.Indexed, ClusterableModel):
    """A role's work list: the tasks everyone in the role does, with cadence, deadline and evidence."""

    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("field role"), max_length=20, choices=FieldRole.choices)
    active = models.BooleanField(_("active"), default=True)

    panels = [FieldPanel("name"), FieldPanel("role"), FieldPanel("active"), InlinePanel("tasks", label=_("Tasks"))]
    search_fields = [index.SearchField("name"), index.FilterField("role")]

    class Meta:
        verbose_name = _("work list template")
        verbose_name_plural = _("work list templates")
        ordering = ["role", "name"]

    def __str__(self) -> str:
        return self.name


class WorkTask(Orderable):
    """One task of a work list. Its deadline: `due_days` days after its period starts, at `due_hour` o'clock
    (a daily task at 18:00 the same day; a monthly one by the 25th: 24 days after the 1st)."""

    template = ParentalKey(WorkListTemplate, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    guide = models.TextField(_("guide"), blank=True, help_text=_("How to do it: shown under the task."))
    cadence = models.CharField(_("cadence"), max_length=10, choices=Cadence.choices, default=Cadence.DAILY)
    due_days = models.PositiveSmallIntegerField(
        _("due after days"),
        default=0,
        validators=[MaxValueValidator(31)],
        help_text=_("Days after the period starts (0: the same day)."),
    )
    due_hour = models.PositiveSmallIntegerField(
        _("due at hour"), default=18, validators=[MaxValueValidator(23)], help_text=_("Hour of the deadline day.")
    )
    evidence = models.CharField(_("evidence"), max_length=10, choices=Evidence.choices, default=Evidence.NONE)
    checklist = models.TextField(
        _("checklist"), blank=True, help_text=_("One item per line; ticked on site when the evidence is a checklist.")
    )
    points = models.PositiveSmallIntegerField(_("key result weight"), default=1, validators=[MinValueValidator(1)])

    panels = [
        FieldPanel("title"),
        FieldPanel("guide"),
        MultiFieldPanel([FieldPanel("cadence"), FieldPanel("due_days"), FieldPanel("due_hour")], heading=_("When")),
        FieldPanel("evidence"),
        FieldPanel("checklist"),
        FieldPanel("points"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return self.title

    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]


class TaskItem(models.Model):
    """One task due from one person for one period (and one shop, for per-shop tasks): open, done or late.
    Created when the person's list is first written to or when the deadline passes (`fieldwork_tick`)."""

    class Status(models.TextChoices):
        DONE = "done", _("Done")
        DONE_LATE = "done_late", _("Done late")
        LATE = "late", _("Late")

    task = models.ForeignKey(WorkTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="items")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="task_items"
    )
    period_start = models.DateField(_("period starts"))
    shop = models.ForeignKey(
        "people.Shop", verbose_name=_("shop"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    visit = models.ForeignKey(
        "Visit", verbose_name=_("visit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    photo = models.ImageField(_("photo"), upload_to="fieldwork/%Y/%m/", blank=True)
    checklist = models.JSONField(_("checklist ticked"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("task item")
        verbose_name_plural = _("task items")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "person", "period_start"],
                condition=models.Q(shop__isnull=True),
                name="fieldwork_item_once",
            ),
            models.UniqueConstraint(
                fields=["task", "person", "period_start", "shop"],
                condition=models.Q(shop__isnull=False),
                name="fieldwork_item_once_per_shop",
            ),
        ]
        indexes = [models.Index(fields=["person", "period_start"], name="fieldwork_item_person")]

    def __str__(self) -> str:
        return f"{self.task} {self.person} {self.period_start}"


class Objective(ClusterableModel):
    """An objective of a unit or a person for a month; its key results count ticked items of tasks."""

    title = models.CharField(_("title"), max_length=200)
    unit = models.ForeignKey(
        "people.OrgUnit",
        verbose_name=_("organisation unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    month = models.DateField(_("month"), help_text=_("Any day of the month."))

    panels = [
        FieldPanel("title"),
        FieldPanel("unit"),
        FieldPanel("person"),
        FieldPanel("month"),
        InlinePanel("key_results", label=_("Key results")),
    ]

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return self.title


class KeyResult(Orderable):
    objective = ParentalKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    task = models.ForeignKey(WorkTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="+")
    target = models.PositiveIntegerField(
        _("target"), validators=[MinValueValidator(1)], help_text=_("Items of the task done in the month.")
    )

    panels = [FieldPanel("task"), FieldPanel("target")]

    class Meta(Orderable.Meta):
        verbose_name = _("key result")
        verbose_name_plural = _("key results")

    def __str__(self) -> str:
        return f"{self.task}: {self.target}"


# --- visits ------------------------------------------------------------------------------------------------


class VisitPlan(models.Model):
    """Every shop of a grid visited once within a cycle of `days` days, spread over its working days."""

    grid = models.ForeignKey("people.OrgUnit", verbose_name=_("grid"), on_delete=models.CASCADE, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("visitor"), on_delete=models.CASCADE, related_name="visit_plans"
    )
    starts_on = models.DateField(_("starts on"))
    days = models.PositiveSmallIntegerField(
        _("cycle in days"), default=28, validators=[MinValueValidator(1), MaxValueValidator(92)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        constraints = [models.UniqueConstraint(fields=["grid", "worker", "starts_on"], name="fieldwork_plan_once")]

    def __str__(self) -> str:
        return f"{self.grid} {self.starts_on}"


class PlannedVisit(models.Model):
    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="stops")
    shop = models.ForeignKey("people.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        constraints = [models.UniqueConstraint(fields=["plan", "shop"], name="fieldwork_stop_once")]
        indexes = [models.Index(fields=["day"], name="fieldwork_stop_day")]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day}"


class Visit(models.Model):
    """A visit to a shop: checked in (by the shop's QR code or by location), the checklist ticked, finished,
    and confirmed by the shop owner."""

    class Method(models.TextChoices):
        QR = "qr", _("QR code")
        LOCATION = "location", _("Location")

    shop = models.ForeignKey("people.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("visitor"), on_delete=models.CASCADE, related_name="visits"
    )
    role = models.CharField(_("field role"), max_length=20, choices=FieldRole.choices)
    method = models.CharField(_("check-in by"), max_length=10, choices=Method.choices)
    checked_in_at = models.DateTimeField(_("checked in at"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance (m)"), null=True, blank=True)
    checklist = models.JSONField(_("checklist ticked"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed by the owner at"), null=True, blank=True)
    owner_comment = models.CharField(_("owner's comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-checked_in_at"]
        indexes = [
            models.Index(fields=["shop", "checked_in_at"], name="fieldwork_visit_shop"),
            models.Index(fields=["worker", "checked_in_at"], name="fieldwork_visit_worker"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.shop} {self.checked_in_at:%Y-%m-%d}"


# --- problems ----------------------------------------------------------------------------------------------


class Problem(models.Model):
    """A problem found on a visit or handed down: a to-do for the assignee with a deadline, closed ("销号")
    when both the assigner and the assignee have closed it; escalated when the deadline passes."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    grid = models.ForeignKey("people.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    shop = models.ForeignKey(
        "people.Shop", verbose_name=_("shop"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    assigner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="field_problems",
    )
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"))
    assignee_closed_at = models.DateTimeField(_("closed by the responsible at"), null=True, blank=True)
    assignee_note = models.TextField(_("how it was solved"), blank=True)
    assigner_closed_at = models.DateTimeField(_("closed by the assigner at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["deadline"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="fieldwork_problem_due"),
            models.Index(fields=["assignee", "status"], name="fieldwork_problem_assignee"),
        ]

    def __str__(self) -> str:
        return self.title


# --- questionnaires ----------------------------------------------------------------------------------------


class Questionnaire(index.Indexed, ClusterableModel):
    class Scope(models.TextChoices):
        ROLE = "role", _("Everyone in a role")
        UNIT = "unit", _("Everyone in an organisation unit")
        GRID_SHOPS = "grid_shops", _("The shop owners of a unit's grids")
        PUBLIC = "public", _("Anyone with the public link (consumers)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    scope = models.CharField(_("sent to"), max_length=12, choices=Scope.choices, default=Scope.ROLE)
    scope_role = models.CharField(_("role"), max_length=20, blank=True, help_text=_("For the role scope."))
    scope_unit = models.ForeignKey(
        "people.OrgUnit",
        verbose_name=_("organisation unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For the unit and grid-shop scopes: this unit and everything under it."),
    )
    one_answer = models.BooleanField(_("one answer per person"), default=True)
    public_key = models.UUIDField(_("public link key"), default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("intro"),
        FieldPanel("status"),
        MultiFieldPanel([FieldPanel("scope"), FieldPanel("scope_role"), FieldPanel("scope_unit")], heading=_("Scope")),
        FieldPanel("one_answer"),
        InlinePanel("questions", label=_("Questions")),
    ]
    search_fields = [index.SearchField("title"), index.FilterField("status")]

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Question(Orderable):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE = "scale", _("Scale")
        TEXT = "text", _("Text")

    questionnaire = ParentalKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    required = models.BooleanField(_("required"), default=True)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One choice per line (choice questions)."))
    scale_max = models.PositiveSmallIntegerField(
        _("scale maximum"), default=5, validators=[MinValueValidator(2), MaxValueValidator(10)]
    )
    skip_when = models.CharField(
        _("skip when the answer is"),
        max_length=100,
        blank=True,
        help_text=_("A choice of this single-choice question; when answered, go on at the question below."),
    )
    skip_to = models.PositiveSmallIntegerField(
        _("go on at question"),
        null=True,
        blank=True,
        help_text=_("Its number, counting from 1; empty with a choice above: the questionnaire ends there."),
    )

    panels = [
        FieldPanel("text"),
        FieldPanel("kind"),
        FieldPanel("required"),
        FieldPanel("choices"),
        FieldPanel("scale_max"),
        MultiFieldPanel([FieldPanel("skip_when"), FieldPanel("skip_to")], heading=_("Skip logic")),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def scale_range(self) -> range:
        return range(1, self.scale_max + 1)


class Response(models.Model):
    """One submitted answer sheet. `once_key` is the respondent's id (or the public visitor's key) when the
    questionnaire takes one answer each, so the database itself refuses a second one, concurrent or not."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("respondent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    once_key = models.CharField(max_length=64, null=True, blank=True)
    answers = models.JSONField(_("answers"))
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "once_key"],
                condition=models.Q(once_key__isnull=False),
                name="fieldwork_one_answer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} #{self.pk}"
