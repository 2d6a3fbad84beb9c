from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "content.learning"
    label = "learning"
    verbose_name = _("Learning")

    def ready(self):
        from django.db.models.signals import post_delete
        from wagtail.signals import page_published, page_unpublished

        from . import models
        from .selectors import catalogue_invalidate

        def invalidate(sender, **kwargs):
            catalogue_invalidate()

        # The catalogue's fragment cache is keyed by a version that every publish bumps.
        for model in (models.CoursePage, models.LessonPage, models.QuizPage, models.CourseIndexPage):
            page_published.connect(invalidate, sender=model, dispatch_uid=f"learning-published-{model.__name__}")
            page_unpublished.connect(invalidate, sender=model, dispatch_uid=f"learning-unpublished-{model.__name__}")
            post_delete.connect(invalidate, sender=model, dispatch_uid=f"learning-deleted-{model.__name__}")
