"""A certification world on top of the shared `world`: a catalogue with two courses, a final quiz, an issuer and
a programme (see certification_helpers.py for recording what learners do)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from wagtail.models import Site

from content.certification.models import Issuer, Programme, ProgrammeCourse
from content.learning.models import CourseIndexPage, CoursePage, QuizPage


@pytest.fixture
def cert(world):
    home = Site.objects.get(is_default_site=True).root_page.specific
    catalogue = home.add_child(instance=CourseIndexPage(title="学苑课程", slug="courses"))
    display = catalogue.add_child(
        instance=CoursePage(title="卷烟陈列技巧", slug="display", summary="柜台陈列的基本功", category="display")
    )
    law = catalogue.add_child(instance=CoursePage(title="烟草专卖法规", slug="law", summary="依法经营", category="law"))
    exam = catalogue.add_child(instance=QuizPage(title="初级认证考试", slug="exam", pass_mark=80))
    issuer = Issuer.objects.create(
        name="市烟草专卖局（公司）培训中心", url="https://training.example.cn/", email="training@example.cn"
    )
    programme = Programme.objects.create(
        title="卷烟零售专业认证（初级）",
        slug="retail-basic",
        description="掌握卷烟陈列与依法经营的基本功。",
        criteria="学完两门必修课并以 80 分以上通过结业考试。",
        final_quiz=exam,
        pass_mark=80,
        validity_months=24,
        issuer=issuer,
        tags="零售,陈列",
    )
    ProgrammeCourse.objects.create(programme=programme, course=display, sort_order=0)
    ProgrammeCourse.objects.create(programme=programme, course=law, sort_order=1)
    return SimpleNamespace(
        world=world, catalogue=catalogue, display=display, law=law, exam=exam, issuer=issuer, programme=programme
    )
