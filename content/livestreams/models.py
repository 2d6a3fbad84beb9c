"""Livestreams: streams as Wagtail pages, and everything that happens around one while it runs.

The tree: StreamIndexPage (the schedule) > StreamPage (one stream). What editors and hosts plan lives on the
page (title, host, cover, times, description, course, audience, the products to show, prepared quiz questions,
the replay's chapters). What happens while the stream runs lives in its own tables, outside the page's revisions,
so that publishing the page again never rolls it back: the stream's state (scheduled, live, ended), its secret
stream keys, chat, mutes, reactions, pinned products, quiz rounds and answers, viewers' watch time, reminders.
Every write is in `services.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtailmedia.edit_handlers import MediaChooserPanel

from core.activity.items import item_iri


class Status(models.TextChoices):
    SCHEDULED = "scheduled", _("Upcoming")
    LIVE = "live", _("Live now")
    ENDED = "ended", _("Ended")


# --- the schedule -----------------------------------------------------------------------------------


class StreamIndexPage(RoutablePageMixin, Page):
    """The schedule: upcoming, live and past streams, and a calendar feed of them all."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["livestreams.StreamPage"]
    max_count = 1

    class Meta:
        verbose_name = _("livestream schedule")

    @path("")
    def schedule(self, request):
        from . import views

        return views.schedule(request, self)

    @path("calendar/")
    def calendar(self, request):
        from . import views

        return views.schedule_calendar(request, self)


# --- one stream -------------------------------------------------------------------------------------


class StreamPage(RoutablePageMixin, Page):
    """One stream: planned here, run by its host, replayed afterwards."""

    item_kind = "livestream"

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("host"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_streams",
        help_text=_("Who presents the stream: they see the stream key, pin products and push quiz questions."),
    )
    moderators = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderators"),
        blank=True,
        related_name="moderated_streams",
        help_text=_("People who may delete chat messages and mute people in this stream, besides the host."),
    )
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A landscape picture shown in the schedule and before the stream starts."),
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(
        _("expected end"),
        help_text=_("The host may start publishing 30 minutes before the start and until an hour after this."),
    )
    description = RichTextField(_("description"), blank=True, features=["bold", "italic", "ol", "ul", "link"])
    course = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The course this stream belongs to: attending it counts as learning in that course."),
    )
    audience_roles = models.JSONField(
        _("audience"),
        default=list,
        blank=True,
        help_text=_("Role codes that may watch (e.g. retailer, villager); empty: everyone."),
    )
    video = models.ForeignKey(
        "wagtailmedia.Media",
        verbose_name=_("uploaded video"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A recording uploaded by hand: the replay, or what plays while live without a media server."),
    )
    video_url = models.CharField(
        _("video address"),
        max_length=300,
        blank=True,
        help_text=_("Instead of an upload: the address of a video or HLS playlist on this site."),
    )
    video_seconds = models.PositiveIntegerField(
        _("video length (seconds)"), default=0, help_text=_("The length of the uploaded video, for watch credit.")
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("host"),
                FieldPanel("moderators"),
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldPanel("audience_roles"),
                PageChooserPanel("course", "learning.CoursePage"),
            ],
            heading=_("When and for whom"),
        ),
        FieldPanel("cover"),
        FieldPanel("description"),
        InlinePanel("products", label=_("Products to show"), heading=_("Products")),
        InlinePanel("questions", label=_("Quiz questions"), heading=_("Quiz questions")),
        InlinePanel("chapters", label=_("Replay chapters"), heading=_("Chapters")),
        MultiFieldPanel(
            [MediaChooserPanel("video", media_type="video"), FieldPanel("video_url"), FieldPanel("video_seconds")],
            heading=_("Uploaded video"),
        ),
    ]
    parent_page_types = ["livestreams.StreamIndexPage"]
    subpage_types: list[str] = []
    search_fields = [
        *Page.search_fields,
        index.SearchField("description"),
        index.FilterField("starts_at"),
    ]
    api_fields = [
        APIField("starts_at"),
        APIField("ends_at"),
        APIField("description"),
        APIField("cover"),
        APIField("audience_roles"),
    ]

    class Meta:
        verbose_name = _("livestream")
        verbose_name_plural = _("livestreams")

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The stream must end after it starts.")})
        if not isinstance(self.audience_roles, list) or not all(isinstance(r, str) for r in self.audience_roles):
            raise ValidationError({"audience_roles": _("A list of role codes.")})

    @property
    def item_id(self) -> str:
        return f"{self.item_kind}:{self.pk}"

    @property
    def activity_iri(self) -> str:
        return item_iri(self.item_id)

    @property
    def uploaded_video_url(self) -> str:
        if self.video_id and self.video and self.video.file:
            return self.video.file.url
        return self.video_url

    def get_context(self, request, *args, **kwargs):
        from .selectors import stream_page_state

        context = super().get_context(request, *args, **kwargs)
        context.update(stream_page_state(stream=self, user=request.user))
        return context

    @path("")
    def stream(self, request):
        return self.render(request)

    @path("calendar/")
    def calendar(self, request):
        from . import views

        return views.stream_calendar(request, self)

    @path("remind/")
    def remind(self, request):
        from . import views

        return views.stream_remind(request, self)

    @path("host/")
    def host_console(self, request):
        from . import views

        return views.host_console(request, self)

    @path("report/")
    def report(self, request):
        from . import views

        return views.stream_report(request, self)


class StreamProduct(Orderable):
    """A product the host may pin under the video during the stream."""

    stream = ParentalKey(StreamPage, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("name"), max_length=100)
    price = models.DecimalField(_("price (yuan)"), max_digits=10, decimal_places=2)
    seller = models.CharField(_("seller"), max_length=100, help_text=_("The station or shop that sells it."))
    stock = models.PositiveIntegerField(_("stock"), default=0)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("picture"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    link = models.URLField(_("where to buy"), blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("price")]),
        FieldRowPanel([FieldPanel("seller"), FieldPanel("stock")]),
        FieldPanel("image"),
        FieldPanel("link"),
    ]

    def __str__(self) -> str:
        return self.name


class StreamQuestion(Orderable):
    """A quiz question prepared for the stream; the host pushes it to every viewer when the time comes."""

    stream = ParentalKey(StreamPage, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=200)
    choices = models.TextField(_("choices"), help_text=_("One choice per line; start the right one with *."))
    seconds = models.PositiveIntegerField(
        _("countdown (seconds)"), default=20, validators=[MinValueValidator(5), MaxValueValidator(120)]
    )

    panels = [FieldPanel("text"), FieldPanel("choices"), FieldPanel("seconds")]

    def parsed(self) -> tuple[list[str], int]:
        """(choices, index of the right one)."""
        lines = [line.strip() for line in self.choices.splitlines() if line.strip()]
        correct = next((n for n, line in enumerate(lines) if line.startswith("*")), 0)
        return [line.lstrip("*").strip() for line in lines], correct

    def clean(self):
        choices, _correct = self.parsed()
        if not 2 <= len(choices) <= 6 or sum(line.strip().startswith("*") for line in self.choices.splitlines()) != 1:
            raise ValidationError({"choices": _("Two to six choices, exactly one marked with *.")})

    def __str__(self) -> str:
        return self.text


class StreamChapter(Orderable):
    """A chapter of the replay, added by the host: where it starts and what it is about."""

    stream = ParentalKey(StreamPage, on_delete=models.CASCADE, related_name="chapters")
    at_seconds = models.PositiveIntegerField(_("starts at (seconds into the recording)"))
    title = models.CharField(_("title"), max_length=100)

    panels = [FieldRowPanel([FieldPanel("at_seconds"), FieldPanel("title")])]

    def __str__(self) -> str:
        return f"{self.at_seconds}s {self.title}"


# --- what happens around a stream ------------------------------------------------------------------


class StreamState(models.Model):
    """Where a stream is in its life: scheduled, live, ended; the product pinned now; the viewer peak."""

    stream = models.OneToOneField(StreamPage, on_delete=models.CASCADE, primary_key=True, related_name="state")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # The name the media server publishes under after on_publish renamed it: the HLS files carry this name,
    # never the secret key.
    public_name = models.CharField(max_length=40, unique=True)
    live_started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    recording_url = models.CharField(_("recording"), max_length=300, blank=True)
    pinned_product = models.ForeignKey(
        StreamProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    peak_viewers = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("stream state")

    def __str__(self) -> str:
        return f"{self.stream_id}: {self.status}"

    @property
    def live_seconds(self) -> float:
        if self.live_started_at is None or self.ended_at is None:
            return 0.0
        return max(0.0, (self.ended_at - self.live_started_at).total_seconds())


class StreamKey(models.Model):
    """A secret stream key: the encoder publishes to rtmp://HOST/live/<key>. One active key per stream."""

    stream = models.ForeignKey(StreamPage, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"key of {self.stream_id}" + (" (revoked)" if self.revoked_at else "")


class BannedWord(models.Model):
    """A word the chat does not show: editors keep the list (Snippets > Chat word filter)."""

    word = models.CharField(_("word"), max_length=50, unique=True)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    panels = [FieldPanel("word")]

    class Meta:
        verbose_name = _("filtered chat word")
        verbose_name_plural = _("chat word filter")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class ChatMessage(models.Model):
    stream = models.ForeignKey(StreamPage, on_delete=models.CASCADE, related_name="chat_messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=500)
    sent_at = models.DateTimeField()
    # Seconds since the stream went live: where the message sits in the replay.
    offset_seconds = models.FloatField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["stream", "sent_at"])]

    def __str__(self) -> str:
        return self.text


class StreamMute(models.Model):
    """A person muted in one stream by its host or a moderator: nothing they write reaches anyone."""

    stream = models.ForeignKey(StreamPage, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    muted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    muted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "user"], name="livestreams_mute_once")]

    def __str__(self) -> str:
        return f"{self.user_id} muted in {self.stream_id}"


class Reaction(models.TextChoices):
    LIKE = "like", _("Like")
    HEART = "heart", _("Heart")
    CLAP = "clap", _("Applause")


class ReactionCount(models.Model):
    stream = models.ForeignKey(StreamPage, on_delete=models.CASCADE, related_name="reaction_counts")
    kind = models.CharField(max_length=10, choices=Reaction.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "kind"], name="livestreams_reaction_kind_once")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.count}"


class PinEvent(models.Model):
    """The host pinned a product (or took it down, product None): the replay shows them in time."""

    stream = models.ForeignKey(StreamPage, on_delete=models.CASCADE, related_name="pin_events")
    product = models.ForeignKey(StreamProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    offset_seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.stream_id} pinned {self.product_id} at {self.offset_seconds:.0f}s"


class ProductClick(models.Model):
    stream = models.ForeignKey(StreamPage, on_delete=models.CASCADE, related_name="product_clicks")
    product = models.ForeignKey(StreamProduct, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.product_id} by {self.user_id}"


class QuizRound(models.Model):
    """One question pushed to every viewer, open until its countdown ends."""

    stream = models.ForeignKey(StreamPage, on_delete=models.CASCADE, related_name="quiz_rounds")
    text = models.CharField(max_length=200)
    choices = models.JSONField()
    correct = models.PositiveSmallIntegerField()
    seconds = models.PositiveIntegerField()
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return self.text


class QuizAnswer(models.Model):
    round = models.ForeignKey(QuizRound, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    choice = models.PositiveSmallIntegerField()
    answered_at = models.DateTimeField()
    correct = models.BooleanField()
    points = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="livestreams_answer_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.points}"


class WatchSession(models.Model):
    """How long one person watched one stream, live and as a replay, credited from server-side heartbeats."""

    stream = models.ForeignKey(StreamPage, on_delete=models.CASCADE, related_name="watch_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_seen_at = models.DateTimeField()
    last_beat_at = models.DateTimeField()
    live_seconds = models.FloatField(default=0)
    replay_seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "user"], name="livestreams_watch_once")]

    def __str__(self) -> str:
        return f"{self.user_id} watched {self.stream_id}"


class StreamReminder(models.Model):
    stream = models.ForeignKey(StreamPage, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "user"], name="livestreams_remind_once")]

    def __str__(self) -> str:
        return f"{self.user_id} reminded of {self.stream_id}"
