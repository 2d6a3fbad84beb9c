"""The /api/qa/ operations and the lesson page's section, as a browser and other clients meet them."""

from __future__ import annotations

import pytest

from content.qa import services
from content.qa.models import Question
from core.activity.models import Statement
from core.activity.vocabulary import Verb

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_only_signed_in_people_ask_and_the_answer_is_the_question(client, world, lessons):
    url = f"/api/qa/lessons/{lessons.first.pk}/questions"
    r = _post(client, url, {"body": "新品应该放在哪里?"})
    assert r.status_code == 401
    assert r.json()["message"] == "请先登录。"
    client.force_login(world.retailer)
    r = _post(client, url, {"body": "新品应该放在哪里?"})
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["body_html"] == "<p>新品应该放在哪里?</p>"
    assert data["asker"] == {"id": world.retailer.pk, "name": "李春梅"}
    assert data["may_accept"] is True and data["answers"] == []
    listed = client.get(url).json()
    assert listed["may_ask"] is True and [q["id"] for q in listed["questions"]] == [data["id"]]
    assert _post(client, url, {"body": "短"}).status_code == 400
    assert _post(client, url, {"body": "x" * 20_001}).status_code == 422
    assert _post(client, f"/api/qa/lessons/{lessons.course.pk}/questions", {"body": "课程页能问吗?"}).status_code == 404
    assert _post(client, "/api/qa/lessons/0/questions", {"body": "零号课时?"}).status_code == 422
    assert Statement.objects.filter(verb_id=Verb.ASKED).count() == 1


def test_anyone_reads_a_lessons_questions_but_nobody_sees_hidden_ones_except_editors(client, world, lessons):
    question = services.question_ask(user=world.retailer, lesson_id=lessons.first.pk, body="新品应该放在哪里?")
    answer = services.answer_post(user=world.member, question=question, body="不相干的广告")
    services.post_moderate(user=world.editor, post=answer, action="hide")
    url = f"/api/qa/lessons/{lessons.first.pk}/questions"
    anonymous = client.get(url).json()
    assert anonymous["may_ask"] is False
    assert [(q["id"], q["answers"], q["may_accept"]) for q in anonymous["questions"]] == [(question.pk, [], False)]
    client.force_login(world.member)  # its author
    assert client.get(url).json()["questions"][0]["answers"] == []
    assert _post(client, f"/api/qa/answers/{answer.pk}/moderation", {"action": "restore"}).status_code == 404
    client.force_login(world.editor)
    [shown] = client.get(url).json()["questions"][0]["answers"]
    assert (shown["id"], shown["hidden"]) == (answer.pk, True)

    r = _post(client, f"/api/qa/questions/{question.pk}/moderation", {"action": "hide", "reason": "重复"})
    assert (r.status_code, r.json()) == (200, {"id": question.pk, "hidden": True})
    client.force_login(world.retailer)  # the asker
    assert client.get(url).json()["questions"] == []
    assert _post(client, f"/api/qa/questions/{question.pk}/answers", {"body": "还在吗"}).status_code == 404
    r = _post(client, f"/api/qa/questions/{question.pk}/moderation", {"action": "restore"})
    assert r.status_code == 404
    client.force_login(lessons.teacher)  # a teacher is no editor
    assert client.get(url).json()["questions"] == []
    client.logout()
    assert client.get(url).json()["questions"] == []


def test_only_the_asker_or_a_teacher_accepts(client, world, lessons):
    question = services.question_ask(user=world.retailer, lesson_id=lessons.first.pk, body="新品应该放在哪里?")
    client.force_login(world.member)
    r = _post(client, f"/api/qa/questions/{question.pk}/answers", {"body": "放在畅销品旁边。"})
    assert r.status_code == 201
    answer_id = r.json()["answers"][0]["id"]
    assert r.json()["may_accept"] is False
    accept = f"/api/qa/questions/{question.pk}/accept"
    r = _post(client, accept, {"answer_id": answer_id})
    assert r.status_code == 403
    assert r.json()["message"] == "只有提问的人或本课程的老师可以采纳回答。"
    assert _post(client, "/api/qa/questions/999999/accept", {"answer_id": answer_id}).status_code == 404
    client.force_login(world.retailer)
    assert _post(client, accept, {"answer_id": answer_id + 1000}).status_code == 404
    r = _post(client, accept, {"answer_id": answer_id})
    assert r.status_code == 200
    assert r.json()["accepted_answer_id"] == answer_id and r.json()["answers"][0]["accepted"] is True
    client.force_login(lessons.teacher)
    assert _post(client, accept, {"answer_id": answer_id}).status_code == 200
    assert Statement.objects.filter(verb_id=Verb.ACCEPTED).count() == 1
    assert Question.objects.get().accepted_answer_id == answer_id


def test_moderation_is_for_editors_only(client, world, lessons):
    question = services.question_ask(user=world.retailer, lesson_id=lessons.first.pk, body="新品应该放在哪里?")
    url = f"/api/qa/questions/{question.pk}/moderation"
    assert _post(client, url, {"action": "hide"}).status_code == 401
    for person in (world.retailer, lessons.teacher, world.staff):
        client.force_login(person)
        r = _post(client, url, {"action": "hide"})
        assert r.status_code == 403
        assert r.json()["message"] == "只有编辑可以隐藏或恢复问答。"
    client.force_login(world.editor)
    assert _post(client, url, {"action": "delete"}).status_code == 422
    assert _post(client, url, {"action": "hide"}).status_code == 200


def test_the_lesson_page_shows_the_section_and_escapes_what_people_wrote(client, world, lessons):
    question = services.question_ask(
        user=world.retailer, lesson_id=lessons.first.pk, body="<script>alert(1)</script>新品放哪里?"
    )
    services.answer_post(user=lessons.teacher, question=question, body="放在畅销品旁边。")
    html = client.get(lessons.first.url).content.decode()
    assert 'data-testid="qa"' in html and "学员问答" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;新品放哪里?" in html and "<script>alert(1)" not in html
    assert "登录后提问" in html and 'data-testid="qa-ask"' not in html
    assert html.count('data-testid="qa-answer"') == 1 and "老师" in html
    client.force_login(world.retailer)
    html = client.get(lessons.first.url).content.decode()
    assert 'data-testid="qa-ask"' in html and 'data-testid="qa-accept"' in html
    client.force_login(world.member)
    html = client.get(lessons.first.url).content.decode()
    assert 'data-testid="qa-accept"' not in html and 'data-testid="qa-answer-form"' in html
    # the course page has no questions of its own
    assert 'data-testid="qa"' not in client.get(lessons.course.url).content.decode()


def test_reading_writes_nothing(client, world, lessons):
    services.question_ask(user=world.retailer, lesson_id=lessons.first.pk, body="新品应该放在哪里?")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.member)

    def writes(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]

    assert writes(f"/api/qa/lessons/{lessons.first.pk}/questions") == []
    # (opening a lesson page records the visit, which is the learning app's; the section adds nothing)
    assert [w for w in writes(lessons.first.url) if '"qa_' in w] == []
