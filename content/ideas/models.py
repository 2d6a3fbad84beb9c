"""Golden ideas (金点子) and claimable challenges (揭榜挂帅).

The tree: IdeasIndexPage (the innovation home, with the problem index, the talent pool, the challenges and the
staff counts as its routes) > IdeaBoardPage (a campaign: topic, organisation scope, open and close dates).
Ideas, supports, comments, reports, the moderator log, teams, challenges, claims and milestones are plain
models; the rules that change them live in `services.py`, the reads in `selectors.py`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from core.activity.items import item_iri
from core.people.models import OrgUnit


def short_code() -> str:
    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y")


class IdeasIndexPage(RoutablePageMixin, Page):
    """The innovation home: the boards (child pages), challenges, the problem index, the talent pool, staff counts."""

    intro = RichTextField(_("introduction"), blank=True, help_text=_("A sentence or two above the boards."))

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["ideas.IdeaBoardPage"]
    max_count = 1

    class Meta:
        verbose_name = _("innovation home")
        verbose_name_plural = _("innovation homes")

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context["boards"] = selectors.boards_live(index=self)
        context["open_challenges"] = selectors.challenges_list(status=Challenge.Status.OPEN)[:5]
        return context

    @path("")
    def home(self, request):
        return self.render(request)

    @path("i/<str:code>/")
    def short_link(self, request, code):
        from . import views

        return views.short_link(request, self, code)

    @path("i/<str:code>/qr/")
    def short_link_qr(self, request, code):
        from . import views

        return views.short_link_qr(request, self, code)

    @path("challenges/")
    def problem_index(self, request):
        from . import views

        return views.problem_index(request, self)

    @path("challenges/new/")
    def challenge_new(self, request):
        from . import views

        return views.challenge_new(request, self)

    @path("challenges/<int:pk>/")
    def challenge_detail(self, request, pk):
        from . import views

        return views.challenge_detail(request, self, pk)

    @path("talent/")
    def talent_pool(self, request):
        from . import views

        return views.talent_pool(request, self)

    @path("staff/")
    def staff_counts(self, request):
        from . import views

        return views.staff_counts(request, self)

    @path("moderation/")
    def moderation(self, request):
        from . import views

        return views.moderation(request, self)


class IdeaBoardPage(RoutablePageMixin, Page):
    """A campaign for golden ideas: a topic, who may post (an organisation unit and everything under it), when."""

    topic = RichTextField(_("topic"), help_text=_("What ideas the board asks for, in a paragraph."))
    scope = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organisation scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("People of this unit and every unit below it may post; empty: everyone."),
    )
    opens_at = models.DateTimeField(_("opens at"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True, help_text=_("Empty: open until closed."))
    report_threshold = models.PositiveSmallIntegerField(
        _("reports before hiding"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("An idea or comment with this many reports is hidden until a moderator reviews it."),
    )
    support_limit = models.PositiveSmallIntegerField(
        _("supports per person"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("How many ideas of this board one person may support; empty: no limit."),
    )
    edit_window_hours = models.PositiveSmallIntegerField(
        _("edit window (hours)"), default=24, help_text=_("How long after posting the authors may still edit.")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("topic"),
        MultiFieldPanel(
            [FieldPanel("scope"), FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")])],
            heading=_("Who and when"),
        ),
        FieldRowPanel([FieldPanel("report_threshold"), FieldPanel("support_limit"), FieldPanel("edit_window_hours")]),
    ]
    parent_page_types = ["ideas.IdeasIndexPage"]
    subpage_types: list[str] = []
    search_fields = [*Page.search_fields, index.SearchField("topic")]

    class Meta:
        verbose_name = _("idea board")
        verbose_name_plural = _("idea boards")

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at and (self.closes_at is None or at < self.closes_at)

    @path("")
    def board(self, request):
        from . import views

        return views.board(request, self)

    @path("new/")
    def idea_new(self, request):
        from . import views

        return views.idea_edit(request, self, None)

    @path("<int:pk>/")
    def idea_detail(self, request, pk):
        from . import views

        return views.idea_detail(request, self, pk)

    @path("<int:pk>/edit/")
    def idea_edit(self, request, pk):
        from . import views

        return views.idea_edit(request, self, pk)

    @path("<int:pk>/review/")
    def idea_review(self, request, pk):
        from . import views

        return views.idea_review(request, self, pk)


# --- ideas -------------------------------------------------------------------------------------------


class Idea(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        ADOPTED = "adopted", _("Adopted")
        REJECTED = "rejected", _("Rejected")
        MERGED = "merged", _("Merged")
        IMPLEMENTED = "implemented", _("Implemented")

    board = models.ForeignKey(IdeaBoardPage, verbose_name=_("board"), on_delete=models.CASCADE, related_name="ideas")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="ideas"
    )
    coauthors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("co-authors"), blank=True, related_name="coauthored_ideas"
    )
    title = models.CharField(_("title"), max_length=120)
    problem = models.TextField(_("problem"), max_length=4000)
    proposal = models.TextField(_("proposal"), max_length=20000, help_text=_("Sanitised HTML."))
    tags = models.CharField(_("tags"), max_length=200, blank=True, help_text=_("Comma-separated."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    short_code = models.CharField(_("short code"), max_length=16, unique=True, default=short_code, editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ideas_to_review",
    )
    decision_reason = models.TextField(_("reason"), max_length=2000, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    hidden = models.BooleanField(_("hidden"), default=False, db_index=True)
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    implemented_at = models.DateTimeField(_("implemented at"), null=True, blank=True)

    item_kind = "idea"

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-submitted_at", "-pk"]
        permissions = [
            ("review_idea", _("Can review ideas")),
            ("moderate_idea", _("Can moderate ideas and comments")),
        ]
        indexes = [models.Index(fields=["board", "status", "hidden"], name="idea_board_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def item_id(self) -> str:
        return f"idea:{self.pk}"

    @property
    def activity_iri(self) -> str:
        return item_iri(self.item_id)

    @property
    def is_public(self) -> bool:
        return self.status != self.Status.DRAFT and not self.hidden

    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.replace("，", ",").split(",") if t.strip()]

    def get_url(self) -> str:
        return f"{self.board.url}{self.pk}/"


class IdeaAttachment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="ideas/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Support(models.Model):
    """One person's support of one idea: the unique constraint makes "one per person" hold under any concurrency."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_supports")
    board = models.ForeignKey(IdeaBoardPage, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="unique_idea_support")]
        indexes = [models.Index(fields=["board", "user"], name="support_board_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.idea_id}"


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="idea_comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies", verbose_name=_("reply to")
    )
    body = models.TextField(_("comment"), max_length=2000)
    hidden = models.BooleanField(_("hidden"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:40]


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        OFFENSIVE = "offensive", _("Offensive")
        OFF_TOPIC = "off_topic", _("Off topic")

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    idea = models.ForeignKey(Idea, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(
                condition=(Q(idea__isnull=False) & Q(comment__isnull=True))
                | (Q(idea__isnull=True) & Q(comment__isnull=False)),
                name="report_one_target",
            ),
            models.UniqueConstraint(
                fields=["reporter", "idea"], condition=Q(idea__isnull=False), name="unique_idea_report"
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"], condition=Q(comment__isnull=False), name="unique_comment_report"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.reporter_id})"


class PostingBlock(models.Model):
    """A person a moderator has stopped from posting ideas and comments (until lifted)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    blocked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("posting block")
        verbose_name_plural = _("posting blocks")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.reason}"


class ModerationLog(models.Model):
    """Every moderator act, and every automatic hide, in order: who, what, on what, why."""

    class Action(models.TextChoices):
        AUTO_HIDE = "auto_hide", _("Hidden after reports")
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")
        BLOCK = "block", _("Person blocked")
        UNBLOCK = "unblock", _("Person unblocked")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("moderator"),
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    idea = models.ForeignKey(Idea, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-pk"]

    # --- challenges --------------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"


class TalentProfile(models.Model):
    """What a person offers the talent pool: skills in their own words."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="talent_profile")
    skills = models.CharField(_("skills"), max_length=300, help_text=_("Comma-separated."))
    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("talent profile")
        verbose_name_plural = _("talent profiles")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.skills}"

    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.replace("，", ",").split(",") if s.strip()]


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="idea_teams", verbose_name=_("members"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Challenge(models.Model):
    """A problem the centre (or a unit with the right) sets, for teams to claim (揭榜挂帅)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("challenge status", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CLOSED = "closed", pgettext_lazy("challenge status", "Closed")

    title = models.CharField(_("title"), max_length=120)
    problem = models.TextField(_("problem"), max_length=8000)
    owner_unit = models.ForeignKey(OrgUnit, verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="+")
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField(_("deadline"))
    reward = models.CharField(_("reward"), max_length=200, blank=True)
    reward_points = models.PositiveIntegerField(_("reward points"), default=0)
    skills = models.CharField(_("skills wanted"), max_length=300, blank=True, help_text=_("Comma-separated."))
    badge = models.ForeignKey(
        "certification.Programme",
        verbose_name=_("badge"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The Open Badge every member of an accepted team receives."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    item_kind = "challenge"

    class Meta:
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        ordering = ["deadline", "pk"]
        permissions = [("post_challenge", _("Can post challenges"))]

    def __str__(self) -> str:
        return self.title

    @property
    def item_id(self) -> str:
        return f"challenge:{self.pk}"

    @property
    def activity_iri(self) -> str:
        return item_iri(self.item_id)

    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.replace("，", ",").split(",") if s.strip()]


class Claim(models.Model):
    """A team's claim of a challenge, with its plan; the owner accepts it, the team delivers, the owner accepts
    the delivery or returns it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Claimed, waiting for the owner")
        WORKING = "working", _("Working")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="claims")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="claims")
    plan = models.TextField(_("plan"), max_length=4000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    delivery = models.TextField(_("delivery"), max_length=4000, blank=True)
    owner_comment = models.TextField(_("owner's comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [models.UniqueConstraint(fields=["challenge", "team"], name="unique_claim_team")]

    def __str__(self) -> str:
        return f"{self.team_id} → {self.challenge_id}"


class Milestone(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=120)
    due_on = models.DateField(_("due on"))
    deliverable = models.CharField(_("deliverable"), max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    def warning(self, today=None) -> str:
        """ "" on time or done; "amber" up to a week overdue; "red" beyond."""
        if self.done_at is not None:
            return ""
        today = today or timezone.localdate()
        late = (today - self.due_on).days
        if late <= 0:
            return ""
        return "amber" if late <= 7 else "red"
