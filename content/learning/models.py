"""Courses, lessons and quizzes (Wagtail pages) and the learner's state: enrolments, lesson progress,
quiz attempts.

The tree: CourseIndexPage (the catalogue) > CoursePage > LessonPage / QuizPage. A QuizPage may also
sit directly under the catalogue, as a standalone quiz (a certification's final quiz, for example).
The rules that change a learner's state live in `services.py`; pages only render and route.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtailmedia.edit_handlers import MediaChooserPanel

from core.activity.items import item_iri
from core.people.models import Role

from .text import index_text


class ItemIdentityMixin:
    """How statements name a page: its item id (`kind:pk`) and activity IRI, through core.activity's mapping."""

    item_kind: str = ""

    @property
    def item_id(self) -> str:
        return f"{self.item_kind}:{self.pk}"

    @property
    def activity_iri(self) -> str:
        return item_iri(self.item_id)


class Category(models.TextChoices):
    DISPLAY = "display", _("Display and merchandising")
    ANALYSIS = "analysis", _("Business analysis")
    DIGITAL = "digital", _("Digital store tools")
    LAW = "law", _("Law and licensing")
    SERVICE = "service", _("Customer service")
    RURAL = "rural", _("Rural e-commerce")


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


# --- the catalogue ----------------------------------------------------------------------------------


class CourseIndexPage(RoutablePageMixin, Page):
    """The course catalogue, with its category filter, the course search and "my learning"."""

    intro = RichTextField(_("introduction"), blank=True, help_text=_("A sentence or two above the course list."))
    title_en = models.CharField(
        _("title in English"), max_length=255, blank=True, help_text=_("Shown to English readers; empty: the title.")
    )
    intro_en = RichTextField(
        _("introduction in English"), blank=True, help_text=_("Shown to English readers; empty: the introduction.")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("title_en"), FieldPanel("intro_en")], heading=_("English")),
    ]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["learning.CoursePage", "learning.QuizPage"]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = _("course catalogue")
        verbose_name_plural = _("course catalogues")

    @path("")
    def catalogue(self, request):
        from . import views

        return views.catalogue(request, self)

    @path("search/")
    def search(self, request):
        from . import views

        return views.search(request, self)

    @path("my/")
    def my_learning(self, request):
        from . import views

        return views.my_learning(request, self)


# --- courses ----------------------------------------------------------------------------------------


class CourseTag(TaggedItemBase):
    content_object = ParentalKey("learning.CoursePage", on_delete=models.CASCADE, related_name="tagged_items")


class CoursePageForm(WagtailAdminPageForm):
    audience_roles = forms.MultipleChoiceField(
        label=_("audience"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Who the course is meant for. Leave empty for everyone."),
    )


class CoursePage(ItemIdentityMixin, RoutablePageMixin, Page):
    """One course: a summary, its lessons and quizzes (child pages, in tree order)."""

    item_kind = "course"

    summary = models.TextField(
        _("summary"), max_length=500, help_text=_("One or two sentences shown in the catalogue and search results.")
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.DISPLAY, db_index=True
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.BEGINNER)
    tags = ClusterTaggableManager(
        through=CourseTag, blank=True, verbose_name=_("tags"), help_text=_("Keywords learners search for.")
    )
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A landscape picture, at least 800 pixels wide."),
    )
    estimated_minutes = models.PositiveIntegerField(
        _("estimated minutes"), default=10, help_text=_("How long the whole course takes, quizzes included.")
    )
    instructor = models.CharField(_("instructor"), max_length=100, blank=True)
    prerequisites = ParentalManyToManyField(
        "self",
        verbose_name=_("prerequisites"),
        blank=True,
        symmetrical=False,
        related_name="required_by",
        help_text=_("Courses a learner should finish first."),
    )
    audience_roles = models.JSONField(_("audience"), default=list, blank=True)

    base_form_class = CoursePageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("category"), FieldPanel("level")]),
        FieldPanel("cover"),
        FieldPanel("tags"),
        MultiFieldPanel(
            [
                FieldPanel("estimated_minutes"),
                FieldPanel("instructor"),
                FieldPanel("prerequisites", widget=forms.CheckboxSelectMultiple),
                FieldPanel("audience_roles"),
            ],
            heading=_("About the course"),
        ),
    ]
    parent_page_types = ["learning.CourseIndexPage"]
    subpage_types = ["learning.LessonPage", "learning.QuizPage"]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("instructor"),
        index.SearchField("search_text"),
        index.FilterField("category"),
        index.FilterField("level"),
        index.RelatedFields("tags", [index.SearchField("name")]),
    ]
    api_fields = [
        APIField("summary"),
        APIField("category"),
        APIField("level"),
        APIField("tags"),
        APIField("cover"),
        APIField("estimated_minutes"),
        APIField("instructor"),
        APIField("audience_roles"),
    ]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def search_text(self) -> str:
        """Title, summary, tags, instructor and category cut into words and characters (see text.py)."""
        tags = " ".join(tag.name for tag in self.tags.all())
        return index_text(f"{self.title} {self.summary} {tags} {self.instructor} {self.get_category_display()}")

    def lessons(self):
        return LessonPage.objects.child_of(self).live().order_by("path")

    def quizzes(self):
        return QuizPage.objects.child_of(self).live().order_by("path")

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_state

        context = super().get_context(request, *args, **kwargs)
        context.update(course_state(course=self, user=request.user))
        return context

    @path("")
    def course(self, request):
        return self.render(request)

    @path("enrol/")
    def enrol(self, request):
        from . import views

        return views.course_enrol(request, self)


# --- lessons ----------------------------------------------------------------------------------------


class PictureBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("picture"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("Picture")
        template = "learning/blocks/picture.html"


class LessonBody(blocks.StreamBlock):
    text = blocks.RichTextBlock(label=_("Text"), features=["h2", "h3", "bold", "italic", "ol", "ul", "link"])
    picture = PictureBlock()
    pictures = blocks.ListBlock(
        PictureBlock(), label=_("Picture series"), template="learning/blocks/pictures.html", icon="image"
    )
    tip = blocks.CharBlock(label=_("Tip"), max_length=300, icon="help", template="learning/blocks/tip.html")


class LessonPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        from .durations import recording_duration

        # The duration progress is measured against is the recording's own, whatever was typed.
        seconds = recording_duration(
            kind=cleaned.get("kind"), media=cleaned.get("media"), stream_url=cleaned.get("stream_url") or ""
        )
        if seconds is not None:
            cleaned["duration_seconds"] = seconds
        return cleaned


class LessonPage(ItemIdentityMixin, RoutablePageMixin, Page):
    """One lesson of a course: a video, an audio, a picture series or a text, with a duration."""

    item_kind = "lesson"

    class Kind(models.TextChoices):
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        PICTURES = "pictures", _("Picture series")
        TEXT = "text", _("Text")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    summary = models.TextField(
        _("summary"), max_length=500, blank=True, help_text=_("What the learner will take away.")
    )
    media = models.ForeignKey(
        "wagtailmedia.Media",
        verbose_name=_("media file"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("For video and audio lessons: upload the file here, or give a stream address below."),
    )
    stream_url = models.CharField(
        _("stream address"),
        max_length=500,
        blank=True,
        help_text=_("An https:// address (or a path on this site starting with /) of the video or audio stream."),
    )
    duration_seconds = models.PositiveIntegerField(
        _("duration in seconds"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(6 * 3600)],
        help_text=_(
            "Video and audio: read from the recording when you save (uploaded files and files on this site). "
            "Pictures and text: the expected reading time."
        ),
    )
    body = StreamField(LessonBody(), verbose_name=_("body"), blank=True, use_json_field=True)

    base_form_class = LessonPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("summary"),
        MultiFieldPanel(
            [MediaChooserPanel("media"), FieldPanel("stream_url")],
            heading=_("Video or audio"),
        ),
        FieldPanel("duration_seconds"),
        FieldPanel("body"),
    ]
    parent_page_types = ["learning.CoursePage"]
    subpage_types: list[str] = []
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("search_text"),
        index.FilterField("kind"),
    ]
    api_fields = [
        APIField("kind"),
        APIField("summary"),
        APIField("duration_seconds"),
        APIField("stream_url"),
        APIField("body"),
    ]

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    @property
    def is_media(self) -> bool:
        return self.kind in (self.Kind.VIDEO, self.Kind.AUDIO)

    @property
    def media_url(self) -> str:
        """Where the player loads the recording: our range-capable route for an uploaded file."""
        if self.media_id:
            return self.url + "media/"
        return self.stream_url

    def clean(self):
        super().clean()
        if self.stream_url and not self.stream_url.startswith(("https://", "http://", "/")):
            raise ValidationError({"stream_url": _("Give an address starting with https:// or /.")})
        if self.kind in (self.Kind.VIDEO, self.Kind.AUDIO) and not (self.media_id or self.stream_url):
            raise ValidationError({"stream_url": _("A video or audio lesson needs a media file or a stream address.")})

    def search_text(self) -> str:
        return index_text(f"{self.title} {self.summary} {self.body_text()}")

    def body_text(self) -> str:
        """The words of the body (text, tips, captions), without markup."""
        return " ".join(self._meta.get_field("body").get_searchable_content(self.body))

    @cached_property
    def course(self) -> CoursePage | None:
        return CoursePage.objects.filter(pk=self.get_parent().pk).first()

    def get_context(self, request, *args, **kwargs):
        from .selectors import lesson_state

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_state(lesson=self, user=request.user))
        return context

    @path("")
    def lesson(self, request):
        from . import views

        return views.lesson(request, self)

    @path("media/")
    def media_file(self, request):
        from . import views

        return views.lesson_media(request, self)


# --- quizzes ----------------------------------------------------------------------------------------


class QuizPage(ItemIdentityMixin, RoutablePageMixin, Page):
    """A quiz: questions with single, multiple or true/false answers, checked on the server only."""

    item_kind = "quiz"

    intro = RichTextField(_("introduction"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The share of questions, in per cent, a learner must get right to pass."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=3, help_text=_("How many times a learner may submit. 0 means no limit.")
    )
    shuffle = models.BooleanField(
        _("shuffle"), default=True, help_text=_("Show questions and choices in a different order on every attempt.")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("max_attempts"), FieldPanel("shuffle")]),
        InlinePanel("questions", label=_("Questions"), min_num=1),
    ]
    parent_page_types = ["learning.CoursePage", "learning.CourseIndexPage"]
    subpage_types: list[str] = []
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    api_fields = [APIField("intro"), APIField("pass_mark"), APIField("max_attempts"), APIField("shuffle")]

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    @cached_property
    def course(self) -> CoursePage | None:
        return CoursePage.objects.filter(pk=self.get_parent().pk).first()

    @path("")
    def quiz(self, request):
        from . import views

        return views.quiz(request, self)


class QuizQuestion(Orderable):
    """One question. Choices are written one per line; a leading * marks a correct choice."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")

    page = ParentalKey(QuizPage, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField(_("question"), max_length=1000)
    choices = models.TextField(
        _("choices"),
        max_length=2000,
        help_text=_(
            "One choice per line; start each correct choice with *. "
            "True or false: write two lines, for example *对 and 错."
        ),
    )
    explanation = models.TextField(
        _("explanation"),
        blank=True,
        max_length=1000,
        help_text=_("Shown after submitting, to a learner who got it wrong."),
    )

    panels = [FieldPanel("kind"), FieldPanel("text"), FieldPanel("choices"), FieldPanel("explanation")]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:50]

    def parsed_choices(self) -> list[tuple[str, bool]]:
        """[(label, correct)] in the editor's order; the index is the choice's id."""
        parsed = []
        for line in self.choices.splitlines():
            line = line.strip()
            if not line:
                continue
            correct = line.startswith("*")
            parsed.append((line.lstrip("*").strip(), correct))
        return parsed

    def correct_indexes(self) -> set[int]:
        return {i for i, (_label, correct) in enumerate(self.parsed_choices()) if correct}

    def clean(self):
        super().clean()
        parsed = self.parsed_choices()
        correct = sum(1 for _label, ok in parsed if ok)
        if len(parsed) < 2:
            raise ValidationError({"choices": _("Give at least two choices, one per line.")})
        if self.kind == self.Kind.TRUE_FALSE and len(parsed) != 2:
            raise ValidationError({"choices": _("A true or false question has exactly two choices.")})
        if self.kind in (self.Kind.SINGLE, self.Kind.TRUE_FALSE) and correct != 1:
            raise ValidationError({"choices": _("Mark exactly one correct choice with *.")})
        if correct < 1:
            raise ValidationError({"choices": _("Mark at least one correct choice with *.")})


# --- the learner's state ----------------------------------------------------------------------------


class Enrolment(models.Model):
    """A learner taking a course. Progress and completion are computed by the server only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("learner"), on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(
        CoursePage, verbose_name=_("course"), on_delete=models.CASCADE, related_name="enrolments"
    )
    enrolled_at = models.DateTimeField(_("enrolled at"))
    last_activity_at = models.DateTimeField(_("last activity"), db_index=True)
    last_page = models.ForeignKey(
        Page,
        verbose_name=_("resume at"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The lesson or quiz the learner opened last."),
    )
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="learning_enrolment_once")]
        indexes = [models.Index(fields=["user", "-last_activity_at"], name="learning_enrol_user_recent")]

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"


class LessonProgress(models.Model):
    """How far a learner got in one lesson, as the server credits it.

    `position_seconds` is where the player was (for resuming, as reported); `progress_seconds` is what
    the server credits: forward only, and never more than real time since the lesson was opened allows.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("learner"), on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(LessonPage, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="progress")
    course = models.ForeignKey(CoursePage, verbose_name=_("course"), on_delete=models.CASCADE, related_name="+")
    first_viewed_at = models.DateTimeField(_("first viewed at"))
    opened_at = models.DateTimeField(_("opened at"), help_text=_("When the learner last opened the lesson."))
    credited_at = models.DateTimeField(_("credited until"), help_text=_("The moment progress was last credited."))
    position_seconds = models.FloatField(_("position (s)"), default=0)
    progress_seconds = models.FloatField(_("progress (s)"), default=0)
    time_spent_seconds = models.FloatField(_("time spent (s)"), default=0)
    milestone = models.PositiveSmallIntegerField(_("last milestone (%)"), default=0)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="learning_progress_once")]
        indexes = [models.Index(fields=["user", "course"], name="learning_progress_user_course")]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"

    @property
    def percent(self) -> int:
        if self.completed_at:
            return 100
        duration = self.lesson.duration_seconds or 1
        return min(100, int(self.progress_seconds * 100 // duration))


class QuizAttempt(models.Model):
    """One attempt at a quiz: the order shown, the answers given and the server's verdict."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("learner"), on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey(QuizPage, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    order = models.JSONField(
        _("order shown"), default=list, help_text=_("[[question id, [choice index, ...]], ...] as shown.")
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    score_percent = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [models.UniqueConstraint(fields=["user", "quiz", "number"], name="learning_attempt_number")]
        indexes = [models.Index(fields=["quiz", "user"], name="learning_attempt_quiz_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} #{self.number}"
