from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "content.learning"
    label = "learning"
    verbose_name = _("Learning")

    def ready(self):
        from django.db.models.signals import post_delete
        from wagtail.signals import page_published, page_unpublished

        from core.home.models import home_block_register

        from . import models
        from .selectors import catalogue_invalidate

        def invalidate(sender, **kwargs):
            catalogue_invalidate()

        # The catalogue's fragment cache is keyed by a version that every publish bumps.
        for model in (models.CoursePage, models.LessonPage, models.QuizPage, models.CourseIndexPage):
            page_published.connect(invalidate, sender=model, dispatch_uid=f"learning-published-{model.__name__}")
            page_unpublished.connect(invalidate, sender=model, dispatch_uid=f"learning-unpublished-{model.__name__}")
            post_delete.connect(invalidate, sender=model, dispatch_uid=f"learning-deleted-{model.__name__}")

        home_block_register(continue_learning_home_block)

        from core.home.navigation import HEADER, MY_PAGE, SiteLink, site_link_register

        site_link_register(SiteLink("courses", _("Courses"), catalogue_url, HEADER, order=10))
        site_link_register(
            SiteLink("my-learning", _("My learning"), lambda request: catalogue_url(request, "my/"), MY_PAGE, order=10)
        )


def catalogue_url(request, subpath: str = "") -> str | None:
    """The live catalogue's URL, cached until the next publish (every page's header links to it)."""
    from django.core.cache import cache

    from .models import CourseIndexPage
    from .selectors import catalogue_version

    key = f"learning:catalogue-url:{catalogue_version()}"
    url = cache.get(key)
    if url is None:
        catalogue = CourseIndexPage.objects.live().first()
        url = catalogue.get_url(request) if catalogue is not None else ""
        cache.set(key, url, 3600)
    return url + subpath if url else None


def continue_learning_home_block(request):
    """The home page's "continue learning" block: the signed-in person's three most recent courses."""
    from .models import CourseIndexPage
    from .selectors import my_learning

    if not request.user.is_authenticated:
        return None
    catalogue = CourseIndexPage.objects.live().first()
    if catalogue is None:
        return None
    in_progress = my_learning(user=request.user, limit=3)["in_progress"]
    if not in_progress:
        return None
    return {
        "template": "learning/includes/home_block.html",
        "context": {"in_progress": in_progress, "my_url": catalogue.url + "my/", "catalogue_url": catalogue.url},
    }
