"""A small course on top of the shared `world`: a catalogue, one course owned by a teacher (the person who made
it in the admin), two lessons."""

from types import SimpleNamespace

import pytest
from wagtail.models import Site

from content.learning.models import CourseIndexPage, CoursePage, LessonPage


@pytest.fixture
def lessons(world):
    from core.people.models import Role, RoleAssignment, User

    teacher = User.objects.create(username="liu_teacher", display_name="刘老师", org_unit=world.department)
    RoleAssignment.objects.create(user=teacher, role=Role.STAFF)
    home = Site.objects.get(is_default_site=True).root_page.specific
    catalogue = home.add_child(instance=CourseIndexPage(title="学苑课程", slug="courses"))
    course = catalogue.add_child(
        instance=CoursePage(title="卷烟陈列技巧", slug="display", summary="陈列", category="display", owner=teacher)
    )
    first = course.add_child(
        instance=LessonPage(title="陈列的三个原则", slug="one", kind="text", duration_seconds=20, body=[("text", "x")])
    )
    second = course.add_child(
        instance=LessonPage(title="陈列检查清单", slug="two", kind="text", duration_seconds=20, body=[("text", "y")])
    )
    return SimpleNamespace(catalogue=catalogue, course=course, first=first, second=second, teacher=teacher)
