"""The page tree's rules: which page may sit under which, and what editors can create."""

import pytest
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from content.learning.models import CourseIndexPage, CoursePage, LessonPage, QuizPage

pytestmark = pytest.mark.embedded


class LearningPageRulesTest(WagtailPageTestCase):
    def setUp(self):
        self.login()
        self.home = Site.objects.get(is_default_site=True).root_page.specific
        self.catalogue = self.home.add_child(instance=CourseIndexPage(title="学苑课程", slug="courses"))
        self.course = self.catalogue.add_child(
            instance=CoursePage(title="卷烟陈列技巧", slug="display", summary="柜台陈列的基本功", category="display")
        )

    def test_tree_rules(self):
        self.assertAllowedParentPageTypes(CourseIndexPage, {type(self.home)})
        self.assertAllowedSubpageTypes(CourseIndexPage, {CoursePage, QuizPage})
        self.assertAllowedSubpageTypes(CoursePage, {LessonPage, QuizPage})
        self.assertAllowedParentPageTypes(LessonPage, {CoursePage})
        self.assertAllowedParentPageTypes(QuizPage, {CoursePage, CourseIndexPage})
        self.assertCanNotCreateAt(Page, CoursePage)
        self.assertCanNotCreateAt(CourseIndexPage, LessonPage)

    def test_editor_can_create_a_course_and_its_lessons(self):
        self.assertCanCreate(
            self.catalogue,
            CoursePage,
            nested_form_data(
                {
                    "title": "门店数字化工具入门",
                    "slug": "digital-tools",
                    "summary": "扫码订货与手机收银",
                    "category": "digital",
                    "level": "beginner",
                    "estimated_minutes": 20,
                    "instructor": "陈老师",
                    "tags": "数字化, 订货",
                    "audience_roles": ["retailer"],
                }
            ),
        )
        self.assertCanCreate(
            self.course,
            LessonPage,
            nested_form_data(
                {
                    "title": "陈列的三个原则",
                    "slug": "principles",
                    "kind": "video",
                    "stream_url": "/static/learning/demo/sample.webm",
                    "duration_seconds": 3,
                    "body": streamfield([]),
                }
            ),
        )
        self.assertCanCreate(
            self.course,
            QuizPage,
            nested_form_data(
                {
                    "title": "陈列小测验",
                    "slug": "quiz",
                    "intro": rich_text(""),
                    "pass_mark": 60,
                    "max_attempts": 3,
                    "shuffle": True,
                    "questions": inline_formset(
                        [{"kind": "true_false", "text": "陈列要整齐吗?", "choices": "*对\n错", "explanation": ""}]
                    ),
                }
            ),
        )

    def test_a_video_lesson_needs_media(self):
        lesson = LessonPage(title="没有视频", slug="no-video", kind="video", duration_seconds=10)
        with self.assertRaises(Exception):  # noqa: B017 - ValidationError from full_clean
            self.course.add_child(instance=lesson)
