"""The path to a certificate, as pages show it: the programme page's steps with the person's progress and the
link to the final exam, "my certificates" with the programmes in reach, and the final exam's result saying which
certificate it led to (issued, or what is still missing)."""

from __future__ import annotations

import re

import pytest
from certification_helpers import course_completed, course_enrolled, quiz_finished
from django.utils import translation

from content.certification.models import Certificate
from content.certification.services import badge_award, certificate_issue
from content.learning.models import QuizAttempt, QuizQuestion
from core.activity.models import Statement

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_programme_page_shows_the_path_and_links_to_the_final_exam(cert, client):
    html = client.get("/certificates/programmes/retail-basic/").content.decode()
    text = text_of(html)
    assert html.count('data-testid="path-step"') == 3
    assert f'href="{cert.display.url}" data-testid="path-course-link"' in html
    assert f'href="{cert.law.url}" data-testid="path-course-link"' in html
    assert f'href="{cert.exam.url}" data-testid="final-exam-link"' in html
    assert f'href="{cert.exam.url}" data-testid="take-final-exam"' in html
    assert "结业考试: 初级认证考试" in text.replace("结业考试 :", "结业考试:")
    assert "尚未参加，需达到 80%" in text
    assert "已完成 0/3 步" in text
    assert "登录后查看你的进度。" in text


def test_the_programme_page_shows_how_far_the_signed_in_person_is(cert, client):
    retailer = cert.world.retailer
    course_completed(retailer, cert.display)
    course_enrolled(retailer, cert.law)
    quiz_finished(retailer, cert.exam, scaled=0.5)
    client.force_login(retailer)
    text = text_of(client.get("/certificates/programmes/retail-basic/").content.decode())
    assert "卷烟陈列技巧 已完成" in text
    assert "烟草专卖法规 未开始" in text  # enrolled elsewhere but no progress on the learning app's pages
    assert "最高 50%，需达到 80%" in text
    assert "已完成 1/3 步" in text
    assert "请先学完课程" in text


def test_my_certificates_lists_the_programmes_in_reach_until_earned(cert, client):
    retailer = cert.world.retailer
    course_completed(retailer, cert.display)
    client.force_login(retailer)
    html = client.get("/certificates/mine/").content.decode()
    assert 'data-testid="programme-in-reach" data-programme="retail-basic"' in html
    assert "可以考取的证书" in text_of(html)
    assert "已完成 1/3 步" in text_of(html)

    certificate_issue(user=retailer, programme=cert.programme)
    html = client.get("/certificates/mine/").content.decode()
    assert 'data-testid="programme-in-reach"' not in html
    assert 'data-testid="my-certificate" data-status="valid" data-programme="retail-basic"' in html


def test_badges_other_apps_award_are_not_offered_as_paths(cert, client):
    """A volunteer's star or a challenge's badge has no courses and no exam: nothing to work towards here."""
    badge_award(user=cert.world.member, slug="one-star", title="一星志愿者", description="…", criteria="100 h")
    client.force_login(cert.world.retailer)
    html = client.get("/certificates/mine/").content.decode()
    assert 'data-programme="retail-basic"' in html
    assert "一星志愿者" not in text_of(html)


def _exam_question(cert) -> QuizQuestion:
    return QuizQuestion.objects.create(page=cert.exam, kind="true_false", text="价签要清楚。", choices="*对\n错")


def _pass_the_exam(client, cert, question) -> str:
    client.post(cert.exam.url, {"start": "1"})
    attempt = QuizAttempt.objects.get(quiz=cert.exam)
    return client.post(cert.exam.url, {"attempt": attempt.pk, f"q-{question.pk}": "0"}).content.decode()


def test_passing_the_final_exam_says_which_certificate_it_led_to(cert, client):
    question = _exam_question(cert)
    retailer = cert.world.retailer
    course_completed(retailer, cert.display)
    course_completed(retailer, cert.law)
    client.force_login(retailer)
    html = _pass_the_exam(client, cert, question)
    certificate = Certificate.objects.get(recipient=retailer, programme=cert.programme)
    assert "你已获得证书“卷烟零售专业认证（初级）”。" in text_of(html)
    assert f'href="{certificate.get_absolute_url()}" data-testid="quiz-outcome-link"' in html
    assert 'data-kind="certificate-issued"' in html


def test_passing_the_final_exam_too_early_says_what_is_missing(cert, client):
    question = _exam_question(cert)
    retailer = cert.world.retailer
    course_completed(retailer, cert.display)
    client.force_login(retailer)
    html = _pass_the_exam(client, cert, question)
    assert not Certificate.objects.filter(recipient=retailer).exists()
    assert "要获得证书“卷烟零售专业认证（初级）”，你还需要完成：烟草专卖法规。" in text_of(html)
    assert 'href="/certificates/programmes/retail-basic/" data-testid="quiz-outcome-link"' in html
    # Finishing the missing course later issues it, and the exam's page then says so.
    course_completed(retailer, cert.law)
    assert Certificate.objects.filter(recipient=retailer, programme=cert.programme).exists()
    assert "你已获得证书" in text_of(client.get(cert.exam.url).content.decode())


def test_the_path_pages_only_read(cert, client):
    retailer = cert.world.retailer
    course_completed(retailer, cert.display)
    client.force_login(retailer)
    before = (Statement.objects.count(), Certificate.objects.count())
    for url in ("/certificates/programmes/retail-basic/", "/certificates/mine/"):
        assert client.get(url).status_code == 200
    assert (Statement.objects.count(), Certificate.objects.count()) == before


def test_the_path_speaks_english(cert, client):
    client.force_login(cert.world.retailer)
    # The request activates English in this thread: give the tests after this one back the language they had.
    with translation.override(translation.get_language()):
        text = text_of(client.get("/certificates/mine/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Certificates you can work towards" in text
    assert "0 of 3 steps" in text
    assert "Not taken yet; 80% needed" in text
