"""Contests on the pioneer and fortress indices: dimensions, scoring rules (versioned), the points ledger,
person-day counters that make caps hold under concurrency, contests, weekly leagues, final standings, awards.

The ledger (`PointsEntry`) is the source of truth and independent of contests: an entry belongs to an index and
a dimension, a person (and for branch-level activities a branch) and the moment the act happened. A contest reads
the entries of its index inside its period, for its participants; the leaderboard store only mirrors that sum.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable
from wagtail.search import index as search

from core.people.models import Role

POINTS = {"max_digits": 12, "decimal_places": 2}


class Index(search.Indexed, models.Model):
    """An index people or branches are measured on: the pioneer index (先锋指数) of party members, the fortress
    index (堡垒指数) of branches."""

    class Scope(models.TextChoices):
        PERSON = "person", _("People")
        BRANCH = "branch", _("Branches")

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    scope = models.CharField(
        _("measures"),
        max_length=10,
        choices=Scope.choices,
        default=Scope.PERSON,
        help_text=_("A person index scores people; a branch index scores party branches."),
    )
    member_index = models.ForeignKey(
        "self",
        verbose_name=_("members' index"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"scope": "person"},
        help_text=_("For a branch index: the person index of its members, which adds to the branch's score."),
    )
    eligible_role = models.CharField(
        _("who earns points"),
        max_length=20,
        choices=Role.choices,
        blank=True,
        help_text=_("Only people with this role earn points on this index; empty means everyone."),
    )
    daily_limit = models.DecimalField(
        _("daily limit per person"),
        **POINTS,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The most points one person can earn on this index in one day, across all rules."),
    )
    rules_version = models.PositiveIntegerField(
        _("rules version"), default=1, editable=False, help_text=_("Raised each time a rule of this index changes.")
    )
    description = models.TextField(_("description"), blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("name_en")]),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("scope"), FieldPanel("member_index")]),
        FieldRowPanel([FieldPanel("eligible_role"), FieldPanel("daily_limit")]),
        FieldPanel("description"),
    ]
    search_fields = [search.SearchField("name"), search.AutocompleteField("name")]

    class Meta:
        verbose_name = _("index")
        verbose_name_plural = _("indices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Dimension(search.Indexed, models.Model):
    """One part of an index (引领效应, 业绩指标, 服务实践, 学习成长) with its weight."""

    index = models.ForeignKey(Index, verbose_name=_("index"), on_delete=models.PROTECT, related_name="dimensions")
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    code = models.SlugField(_("code"), max_length=50)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
        help_text=_("Points of this dimension count this many times; 1 counts them as they are."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldPanel("index"),
        FieldRowPanel([FieldPanel("name"), FieldPanel("name_en")]),
        FieldPanel("code"),
        FieldPanel("weight"),
        FieldPanel("sort_order"),
    ]
    search_fields = [search.SearchField("name"), search.AutocompleteField("name"), search.FilterField("index")]

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["index", "sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["index", "code"], name="unique_dimension_code")]

    def __str__(self) -> str:
        return f"{self.index} · {self.name}"


class Rule(search.Indexed, ClusterableModel):
    """Maps statements (a verb, optionally an activity type) to points in a dimension."""

    name = models.CharField(_("name"), max_length=100)
    dimension = models.ForeignKey(
        Dimension, verbose_name=_("dimension"), on_delete=models.PROTECT, related_name="rules"
    )
    verb = models.CharField(_("verb IRI"), max_length=512, db_index=True, help_text=_("The statement verb, an IRI."))
    activity_type = models.CharField(
        _("activity type IRI"),
        max_length=512,
        blank=True,
        help_text=_("Only statements about activities of this type; empty means any activity."),
    )
    points = models.DecimalField(_("points"), **POINTS, validators=[MinValueValidator(0)])
    daily_cap = models.DecimalField(
        _("daily cap"),
        **POINTS,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The most points one person can earn from this rule in one day; empty means no cap."),
    )
    min_dwell_seconds = models.PositiveIntegerField(
        _("minimum dwell time (seconds)"),
        default=0,
        help_text=_("For learning: the statement's result duration must be at least this long to earn points."),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("dimension"),
        FieldPanel("verb"),
        FieldPanel("activity_type"),
        FieldRowPanel([FieldPanel("points"), FieldPanel("daily_cap"), FieldPanel("min_dwell_seconds")]),
        FieldPanel("active"),
        InlinePanel("bonus_windows", label=_("Bonus time windows")),
    ]
    search_fields = [search.SearchField("name"), search.AutocompleteField("name"), search.FilterField("active")]

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["dimension", "name"]

    def __str__(self) -> str:
        return self.name


class BonusWindow(Orderable):
    """A period in which a rule's points are multiplied (for example, double points in the week of 1 July)."""

    rule = ParentalKey(Rule, on_delete=models.CASCADE, related_name="bonus_windows")
    label = models.CharField(_("label"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    multiplier = models.DecimalField(
        _("multiplier"), max_digits=4, decimal_places=2, default=2, validators=[MinValueValidator(0)]
    )

    panels = [
        FieldPanel("label"),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldPanel("multiplier"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("bonus time window")
        verbose_name_plural = _("bonus time windows")

    def __str__(self) -> str:
        return self.label or f"×{self.multiplier}"


class RuleSetVersion(models.Model):
    """A version of an index's rules, kept as they were: entries name the version they were scored with."""

    index = models.ForeignKey(Index, verbose_name=_("index"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    rules = models.JSONField(_("rules"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rules version")
        verbose_name_plural = _("rules versions")
        ordering = ["index", "-number"]
        constraints = [models.UniqueConstraint(fields=["index", "number"], name="unique_ruleset_version")]

    def __str__(self) -> str:
        return f"{self.index} v{self.number}"


class PersonDay(models.Model):
    """What one person earned on one index on one (local) day. Scoring locks this row, so daily caps and the
    daily limit hold when many statements of one person are recorded at the same moment."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    index = models.ForeignKey(Index, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    points = models.DecimalField(**POINTS, default=0)
    per_rule = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("person day")
        verbose_name_plural = _("person days")
        constraints = [models.UniqueConstraint(fields=["user", "index", "day"], name="unique_person_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.index_id} {self.day}: {self.points}"


class PointsEntry(models.Model):
    """One line of the ledger: the points one statement earned under one rule."""

    statement = models.ForeignKey(
        "activity.Statement", verbose_name=_("statement"), on_delete=models.CASCADE, related_name="+"
    )
    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="entries")
    index = models.ForeignKey(Index, verbose_name=_("index"), on_delete=models.PROTECT, related_name="+")
    dimension = models.ForeignKey(Dimension, verbose_name=_("dimension"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="points_entries"
    )
    branch = models.ForeignKey(
        "people.PartyBranch",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("For branch-level activities: the branch credited."),
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    day = models.DateField(_("day"))
    points = models.DecimalField(_("points"), **POINTS)
    rules_version = models.PositiveIntegerField(_("rules version"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [models.UniqueConstraint(fields=["statement", "rule"], name="unique_entry_statement_rule")]
        indexes = [
            models.Index(fields=["index", "occurred_at"], name="entry_index_time"),
            models.Index(fields=["index", "user", "occurred_at"], name="entry_index_user_time"),
            models.Index(fields=["index", "branch", "occurred_at"], name="entry_index_branch_time"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} +{self.points} ({self.rule_id})"


class Contest(search.Indexed, ClusterableModel):
    class Ranking(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        TEAM = "team", _("Team (branch)")

    class AwardKind(models.TextChoices):
        BADGE = "badge", _("Badge")
        CERTIFICATE = "certificate", _("Certificate")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    index = models.ForeignKey(Index, verbose_name=_("index"), on_delete=models.PROTECT, related_name="contests")
    ranking = models.CharField(_("ranking"), max_length=12, choices=Ranking.choices, default=Ranking.INDIVIDUAL)
    org_unit = models.ForeignKey(
        "people.OrgUnit",
        verbose_name=_("organisation unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("People (or branches) in this unit and the units below it take part; empty means everyone."),
    )
    branches = ParentalManyToManyField(
        "people.PartyBranch",
        verbose_name=_("branches"),
        blank=True,
        related_name="+",
        help_text=_("Only these branches (or their members) take part; empty means any."),
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=Role.choices,
        blank=True,
        help_text=_("Only people with this role take part; empty means anyone."),
    )
    is_public = models.BooleanField(
        _("public"), default=True, help_text=_("Anyone may watch the board; otherwise only participants and staff.")
    )

    class Names(models.TextChoices):
        FULL = "full", _("Full names (王建国)")
        MASKED = "masked", _("Surname only (王**)")

    names = models.CharField(
        _("names on the board"),
        max_length=10,
        choices=Names.choices,
        default=Names.FULL,
        help_text=_(
            "How people's names appear wherever this contest is shown: the live board, the big screen, the final "
            "standings, the archive and the weekly leagues, while it runs and after it ends. A person always sees "
            "their own name; branch names are never masked."
        ),
    )
    arena = models.BooleanField(
        _("arena across departments"),
        default=False,
        help_text=_("An arena (擂台) ranks people of several market departments on one board."),
    )
    league_size = models.PositiveSmallIntegerField(
        _("league size"),
        default=0,
        help_text=_("Run weekly leagues of about this many comparable people; 0 means no leagues."),
    )
    league_tiers = models.PositiveSmallIntegerField(_("league tiers"), default=3, validators=[MinValueValidator(1)])
    league_promote = models.PositiveSmallIntegerField(_("promoted per league each week"), default=5)
    league_relegate = models.PositiveSmallIntegerField(_("relegated per league each week"), default=5)
    award_top = models.PositiveSmallIntegerField(
        _("winners"), default=3, help_text=_("How many of the top places receive an award when the contest ends.")
    )
    award_kind = models.CharField(_("award"), max_length=12, choices=AwardKind.choices, default=AwardKind.BADGE)
    frozen_at = models.DateTimeField(_("final standings frozen at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldRowPanel([FieldPanel("index"), FieldPanel("ranking")]),
        MultiFieldPanel(
            [FieldPanel("org_unit"), FieldPanel("branches"), FieldPanel("role"), FieldPanel("arena")],
            heading=_("Who takes part"),
        ),
        MultiFieldPanel(
            [FieldPanel("is_public"), FieldPanel("names", widget=forms.RadioSelect)], heading=_("Who sees the board")
        ),
        MultiFieldPanel(
            [
                FieldPanel("league_size"),
                FieldRowPanel(
                    [FieldPanel("league_tiers"), FieldPanel("league_promote"), FieldPanel("league_relegate")]
                ),
            ],
            heading=_("Weekly leagues"),
        ),
        FieldRowPanel([FieldPanel("award_top"), FieldPanel("award_kind")], heading=_("Awards")),
    ]
    search_fields = [search.SearchField("name"), search.AutocompleteField("name"), search.FilterField("slug")]

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="contest_period_valid")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_team(self) -> bool:
        return self.ranking == self.Ranking.TEAM

    @property
    def masks_names(self) -> bool:
        """Whether people's names are masked on this contest's boards (`realtime.selectors.board_name`)."""
        return self.names == self.Names.MASKED and not self.is_team


class FinalStanding(models.Model):
    """A contest's frozen result: one row per place, computed from the ledger when the contest ended."""

    contest = models.ForeignKey(Contest, verbose_name=_("contest"), on_delete=models.CASCADE, related_name="standings")
    position = models.PositiveIntegerField(_("position"))
    rank = models.PositiveIntegerField(_("rank"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    branch = models.ForeignKey("people.PartyBranch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    member = models.CharField(max_length=24)
    name = models.CharField(_("name"), max_length=100)
    score = models.DecimalField(_("score"), **POINTS)

    class Meta:
        verbose_name = _("final standing")
        verbose_name_plural = _("final standings")
        ordering = ["contest", "position"]
        constraints = [models.UniqueConstraint(fields=["contest", "position"], name="unique_standing_position")]

    def __str__(self) -> str:
        return f"{self.contest_id} #{self.rank} {self.name}"


class Award(models.Model):
    """The badge or certificate a winner received when a contest ended."""

    contest = models.ForeignKey(Contest, verbose_name=_("contest"), on_delete=models.CASCADE, related_name="awards")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="contest_awards"
    )
    branch = models.ForeignKey("people.PartyBranch", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveIntegerField(_("rank"))
    kind = models.CharField(_("kind"), max_length=12, choices=Contest.AwardKind.choices)
    title = models.CharField(_("title"), max_length=200)
    awarded_at = models.DateTimeField(_("awarded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["contest", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "user"], name="unique_award_user"),
            models.UniqueConstraint(fields=["contest", "branch"], name="unique_award_branch"),
        ]

    def __str__(self) -> str:
        return self.title


class League(models.Model):
    """One weekly league of about `contest.league_size` comparable people in one tier."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="leagues")
    week_start = models.DateField(_("week starting"))
    tier = models.PositiveSmallIntegerField(_("tier"))
    number = models.PositiveSmallIntegerField(_("number"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("league")
        verbose_name_plural = _("leagues")
        ordering = ["contest", "week_start", "-tier", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "week_start", "tier", "number"], name="unique_league")
        ]

    def __str__(self) -> str:
        return f"{self.contest_id} {self.week_start} T{self.tier}-{self.number}"


class LeagueMember(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "", _("Playing")
        PROMOTED = "promoted", _("Promoted")
        STAYED = "stayed", _("Stayed")
        RELEGATED = "relegated", _("Relegated")

    league = models.ForeignKey(League, on_delete=models.CASCADE, related_name="members")
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(**POINTS, null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")

    class Meta:
        verbose_name = _("league member")
        verbose_name_plural = _("league members")
        constraints = [
            models.UniqueConstraint(fields=["contest", "week_start", "user"], name="unique_league_member_week")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.league_id}"
