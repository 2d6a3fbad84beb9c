from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "content.learning"
    label = "learning"
    verbose_name = _("Learning")

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import Page, PageViewRestriction
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from core.home.models import home_block_register

        from .selectors import catalogue_invalidate

        def invalidate(sender, **kwargs):
            catalogue_invalidate()

        # The catalogue's fragment and whole-page caches are keyed by a version that these bump. Any page
        # counts, not only courses: the page around the course list (navigation, titles) shows other pages.
        page_published.connect(invalidate, dispatch_uid="learning-published")
        page_unpublished.connect(invalidate, dispatch_uid="learning-unpublished")
        post_page_move.connect(invalidate, dispatch_uid="learning-moved")
        post_delete.connect(invalidate, sender=Page, dispatch_uid="learning-deleted")
        # A new view restriction must stop the cached page from reaching visitors who may no longer see it.
        post_save.connect(invalidate, sender=PageViewRestriction, dispatch_uid="learning-restricted")
        post_delete.connect(invalidate, sender=PageViewRestriction, dispatch_uid="learning-unrestricted")

        home_block_register(continue_learning_home_block)

        from core.people.demo_steps import DemoStep, demo_step_register

        demo_step_register(DemoStep(self.label, seed_demo))

        from core.activity.items import ItemKind, item_kind_register
        from core.activity.vocabulary import ActivityType

        from .selectors import recommendable_courses, recommendable_lessons

        # What the recommender may recommend: courses and lessons ("done" when completed or passed).
        item_kind_register(ItemKind("course", ActivityType.COURSE, list_items=recommendable_courses))
        item_kind_register(ItemKind("lesson", ActivityType.LESSON, list_items=recommendable_lessons))

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


def seed_demo(ctx) -> None:
    """This app's demo step (imported when the demo runs, not when the app loads)."""
    from .demo import seed

    seed(ctx)
