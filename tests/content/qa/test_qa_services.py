"""Questions and answers on lessons: who may ask, answer, accept, hide and see; what is stored (sanitised) and the
statements written (one per act, through the real services), on the fixture world."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.qa import selectors, services
from content.qa.models import Answer, ModerationEntry, Question
from content.qa.sanitise import body_html, plain_text
from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def _ask(user, lesson, text="新品应该放在哪里比较好?", **kw):
    return services.question_ask(user=user, lesson_id=lesson.pk, body=text, **kw)


def _statements(verb):
    return list(Statement.objects.filter(verb_id=verb).order_by("stored"))


def test_a_signed_in_person_asks_once_and_one_statement_is_written(world, lessons):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied) as refused:
        _ask(AnonymousUser(), lessons.first)
    assert refused.value.status == 401
    assert Question.objects.count() == 0 and not _statements(Verb.ASKED)

    question = _ask(world.retailer, lessons.first)
    [asked] = _statements(Verb.ASKED)
    assert asked.actor_user == world.retailer
    assert asked.activity_type == ActivityType.LESSON_QUESTION
    assert asked.object_id.endswith(f"/xapi/activities/question/{question.pk}")
    parent = asked.full["context"]["contextActivities"]["parent"][0]
    assert parent["id"].endswith(f"/xapi/activities/lesson/{lessons.first.pk}")
    assert asked.full["context"]["contextActivities"]["grouping"][0]["id"].endswith(
        f"/xapi/activities/course/{lessons.course.pk}"
    )
    assert asked.trusted


def test_asking_checks_the_lesson_and_the_text(world, lessons):
    with pytest.raises(NotFound):
        services.question_ask(user=world.retailer, lesson_id=lessons.course.pk, body="课程本身不是课时,能问吗?")
    with pytest.raises(ApplicationError, match="请至少写 5 个字。") as refused:
        _ask(world.retailer, lessons.first, "  好  ")
    assert refused.value.extra == {"min": 5}
    with pytest.raises(ApplicationError, match="请控制在 1000 个字以内。"):
        _ask(world.retailer, lessons.first, "问" * 1001)
    with pytest.raises(ApplicationError, match="不支持的格式。"):
        _ask(world.retailer, lessons.first, fmt="markdown")
    lessons.second.unpublish()
    with pytest.raises(NotFound):
        _ask(world.retailer, lessons.second)
    assert Question.objects.count() == 0 and not _statements(Verb.ASKED)


def test_rich_text_is_sanitised_and_plain_text_escaped(world, lessons):
    hostile = (
        '<p onclick="steal()">看这里<script>alert(1)</script><img src=x onerror=alert(2)>'
        '<a href="javascript:alert(3)">链接</a> <a href="https://example.com/x">好链接</a></p>'
        "<iframe src='https://evil'></iframe><strong>重点</strong>"
    )
    question = _ask(world.retailer, lessons.first, hostile, fmt="html")
    stored = question.body_html
    for bad in ("<script", "onclick", "onerror", "<img", "javascript:", "<iframe", "alert(1)"):
        assert bad not in stored, stored
    assert '<a href="https://example.com/x" rel="nofollow noopener noreferrer ugc">好链接</a>' in stored
    assert "<strong>重点</strong>" in stored

    plain = _ask(world.retailer, lessons.first, "<b>不是标签</b>\n第二行\n\n第二段")
    assert plain.body_html == "<p>&lt;b&gt;不是标签&lt;/b&gt;<br>第二行</p><p>第二段</p>"
    assert plain_text(body_html("a <b>b</b>\n\nc", "html")) == "a b c"
    # the length counts the words a person reads, not the markup
    with pytest.raises(ApplicationError, match="请至少写 5 个字。"):
        _ask(world.retailer, lessons.first, "<p><strong>好</strong></p><script>xxxxxxxxxx</script>", fmt="html")


def test_teachers_and_other_learners_answer_teachers_are_marked(world, lessons):
    question = _ask(world.retailer, lessons.first)
    by_teacher = services.answer_post(user=lessons.teacher, question=question, body="放在畅销品旁边。")
    by_editor = services.answer_post(user=world.editor, question=question, body="也可以放收银台边。")
    by_learner = services.answer_post(user=world.member, question=question, body="我店放在门口。")
    assert (by_teacher.by_teacher, by_editor.by_teacher, by_learner.by_teacher) == (True, True, False)
    answered = _statements(Verb.ANSWERED)
    assert [s.actor_user for s in answered] == [lessons.teacher, world.editor, world.member]
    assert {s.activity_type for s in answered} == {ActivityType.LESSON_QUESTION}
    assert answered[2].full["result"]["response"] == "我店放在门口。"
    assert {s.object_id for s in answered} == {_statements(Verb.ASKED)[0].object_id}


def test_only_the_asker_or_a_teacher_accepts_and_each_acceptance_is_one_statement(world, lessons):
    question = _ask(world.retailer, lessons.first)
    first = services.answer_post(user=world.member, question=question, body="放在畅销品旁边。")
    second = services.answer_post(user=world.staff, question=question, body="放在收银台边。")
    for outsider in (world.member, world.staff, world.villager):  # the member wrote the answer: still not theirs
        with pytest.raises(PermissionDenied):
            services.answer_accept(user=outsider, question=question, answer_id=first.pk)
    assert not _statements(Verb.ACCEPTED)

    services.answer_accept(user=world.retailer, question=question, answer_id=first.pk)
    services.answer_accept(user=world.retailer, question=question, answer_id=first.pk)  # again: nothing new
    question.refresh_from_db()
    assert question.accepted_answer == first
    assert len(_statements(Verb.ACCEPTED)) == 1

    services.answer_accept(user=lessons.teacher, question=question, answer_id=second.pk)  # a teacher changes it
    question.refresh_from_db()
    assert question.accepted_answer == second
    accepted = _statements(Verb.ACCEPTED)
    assert [s.actor_user for s in accepted] == [world.retailer, lessons.teacher]
    assert accepted[1].full["context"]["extensions"][services.ANSWER_EXTENSION] == f"answer:{second.pk}"

    other = _ask(world.member, lessons.first, "另一个问题,和上面的无关。")
    with pytest.raises(NotFound):  # an answer to another question
        services.answer_accept(user=world.member, question=other, answer_id=first.pk)


def test_hidden_posts_are_seen_by_editors_only_and_the_log_keeps_each_act(world, lessons):
    question = _ask(world.retailer, lessons.first)
    answer = services.answer_post(user=world.member, question=question, body="不相干的广告内容")
    with pytest.raises(PermissionDenied):
        services.post_moderate(user=lessons.teacher, post=answer, action="hide")  # teachers answer, editors moderate
    services.post_moderate(user=world.editor, post=answer, action="hide", reason="广告")
    services.post_moderate(user=world.editor, post=answer, action="hide")  # already hidden: no second entry

    lesson = selectors.lesson_find(lesson_id=lessons.first.pk)

    def shown(viewer):
        questions = selectors.visible_questions(lesson=lesson, viewer=viewer)
        return {q.pk: [a.pk for a in q.shown_answers] for q in questions}

    assert shown(world.retailer) == {question.pk: []}  # the asker no longer sees it
    assert shown(world.member) == {question.pk: []}  # nor does its author
    assert shown(world.editor) == {question.pk: [answer.pk]}
    assert selectors.answer_find(answer_id=answer.pk, viewer=world.member) is None

    services.post_moderate(user=world.editor, post=question, action="hide")
    from django.contrib.auth.models import AnonymousUser

    for viewer in (AnonymousUser(), world.retailer, lessons.teacher):
        assert shown(viewer) == {}
        assert selectors.question_find(question_id=question.pk, viewer=viewer) is None
    with pytest.raises(NotFound):
        services.answer_post(user=world.member, question=question, body="还能回答吗")
    with pytest.raises(NotFound):
        services.answer_accept(user=world.retailer, question=question, answer_id=answer.pk)

    services.post_moderate(user=world.editor, post=question, action="restore")
    assert shown(world.retailer) == {question.pk: []}
    log = list(ModerationEntry.objects.order_by("at", "pk").values_list("action", "by__username", "reason"))
    assert log == [("hide", "chen_editor", "广告"), ("hide", "chen_editor", ""), ("restore", "chen_editor", "")]
    assert not _statements(Verb.ACCEPTED)


def test_writing_too_fast_is_refused_and_writes_nothing(world, lessons, settings):
    settings.QA_QUESTIONS_PER_WINDOW = 2
    settings.QA_ANSWERS_PER_WINDOW = 3
    now = timezone.now()
    for n in range(2):
        _ask(world.retailer, lessons.first, f"第{n}个问题是什么?", now=now)
    with pytest.raises(ApplicationError) as refused:
        _ask(world.retailer, lessons.first, "第三个问题是什么?", now=now)
    assert refused.value.status == 429
    question = Question.objects.first()
    for n in range(3):
        services.answer_post(user=world.member, question=question, body=f"回答{n}", now=now)
    with pytest.raises(ApplicationError):
        services.answer_post(user=world.member, question=question, body="再答一次", now=now)
    assert (Question.objects.count(), Answer.objects.count()) == (2, 3)
    assert len(_statements(Verb.ASKED)) == 2 and len(_statements(Verb.ANSWERED)) == 3
    # ten minutes later the window has moved on
    _ask(world.retailer, lessons.first, "过了十分钟再问一个。", now=now + dt.timedelta(minutes=11))


def test_listing_costs_the_same_for_more_questions_and_answers(world, lessons):
    lesson = selectors.lesson_find(lesson_id=lessons.first.pk)

    def count():
        with CaptureQueriesContext(connection) as captured:
            list(selectors.visible_questions(lesson=lesson, viewer=world.retailer))
        return len(captured)

    _ask(world.retailer, lessons.first)
    few = count()
    for n in range(4):
        q = _ask(world.member, lessons.first, f"更多的问题{n}号?", now=timezone.now() - dt.timedelta(hours=n + 1))
        for author in (world.staff, world.villager):
            services.answer_post(user=author, question=q, body=f"回答{n}")
    assert count() == few == 3  # the viewer's roles, the questions with their askers, the answers with authors
