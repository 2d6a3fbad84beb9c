"""Questions and answers on lessons ("在学苑里提问").

A signed-in person asks on a lesson page; the course's teachers (the course page's owner, and the editors) and
other learners answer; the asker or a teacher marks one answer accepted. Editors hide and restore what should
not be shown, and every such act is kept in `ModerationEntry`. Bodies are stored sanitised (see sanitise.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page


class Post(models.Model):
    """What a question and an answer share: who wrote it, the sanitised body, whether editors hid it."""

    body_html = models.TextField(_("text"), help_text=_("Sanitised when it was written."))
    created_at = models.DateTimeField(_("written at"), db_index=True)
    hidden = models.BooleanField(_("hidden"), default=False, help_text=_("Hidden by an editor: only editors see it."))

    class Meta:
        abstract = True


class Question(Post):
    lesson = models.ForeignKey(Page, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="+")
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.CASCADE, related_name="qa_questions"
    )
    accepted_answer = models.ForeignKey(
        "Answer", verbose_name=_("accepted answer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [
            models.Index(fields=["lesson", "-created_at"], name="qa_question_lesson_recent"),
            models.Index(fields=["asker", "-created_at"], name="qa_question_asker_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.asker} · {self.lesson_id} · {self.pk}"

    @property
    def item_id(self) -> str:
        return f"question:{self.pk}"


class Answer(Post):
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.CASCADE, related_name="qa_answers"
    )
    by_teacher = models.BooleanField(
        _("by a teacher"), default=False, help_text=_("The author taught the course when they answered.")
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [
            models.Index(fields=["question", "created_at"], name="qa_answer_question_time"),
            models.Index(fields=["author", "-created_at"], name="qa_answer_author_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.question_id} · {self.pk}"

    @property
    def item_id(self) -> str:
        return f"answer:{self.pk}"


class ModerationEntry(models.Model):
    """One editor's act on a question or an answer: hidden or restored, when, why."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")

    question = models.ForeignKey(
        Question, verbose_name=_("question"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    answer = models.ForeignKey(
        Answer, verbose_name=_("answer"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="qa_moderation"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("moderation entry")
        verbose_name_plural = _("moderation log")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(question__isnull=False, answer__isnull=True)
                | models.Q(question__isnull=True, answer__isnull=False),
                name="qa_moderation_one_target",
            )
        ]

    def __str__(self) -> str:
        target = f"question {self.question_id}" if self.question_id else f"answer {self.answer_id}"
        return f"{self.get_action_display()} · {target} · {self.by}"
