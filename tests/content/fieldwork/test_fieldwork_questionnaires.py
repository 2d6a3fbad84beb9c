"""Questionnaires: skip logic, required questions, scopes, one answer per person (exact under concurrent submits
on PostgreSQL), results and CSV; a signed-in answer is a `responded` statement."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from content.fieldwork.models import Question, Questionnaire, Response
from content.fieldwork.selectors import questionnaire_csv, questionnaire_results
from content.fieldwork.services import Conflict, questionnaire_respond
from core.activity.iris import ActivityType, Verb
from core.activity.models import Statement
from core.errors import ApplicationError, PermissionDenied


def _survey(world, **extra) -> tuple[Questionnaire, list[Question]]:
    survey = Questionnaire.objects.create(
        title="零售户满意度调查",
        status=Questionnaire.Status.OPEN,
        scope=Questionnaire.Scope.GRID_SHOPS,
        scope_unit=world.department,
        **extra,
    )
    smoke = Question.objects.create(
        questionnaire=survey,
        sort_order=1,
        text="是否代售电子烟?",
        kind="single",
        choices="是\n否",
        skip_when="否",
        skip_to=3,
    )
    brands = Question.objects.create(
        questionnaire=survey, sort_order=2, text="代售哪些品牌?", kind="multiple", choices="甲\n乙\n丙"
    )
    score = Question.objects.create(
        questionnaire=survey, sort_order=3, text="对客户经理的满意度", kind="scale", scale_max=5
    )
    remark = Question.objects.create(questionnaire=survey, sort_order=4, text="建议", kind="text", required=False)
    return survey, [smoke, brands, score, remark]


@pytest.mark.django_db
def test_skip_logic_decides_which_questions_are_asked(world):
    survey, (smoke, brands, score, remark) = _survey(world)
    with pytest.raises(ApplicationError) as skipped:
        questionnaire_respond(
            questionnaire=survey, user=world.retailer, answers={smoke.pk: "否", brands.pk: ["甲"], score.pk: 4}
        )
    assert skipped.value.message == "These questions are skipped by your answers and must stay empty."
    with pytest.raises(ApplicationError) as needed:
        questionnaire_respond(questionnaire=survey, user=world.retailer, answers={smoke.pk: "是", score.pk: 4})
    assert needed.value.message == "Question 2 needs an answer."
    with pytest.raises(ApplicationError):
        questionnaire_respond(questionnaire=survey, user=world.retailer, answers={smoke.pk: "否", score.pk: 6})
    assert not Response.objects.exists() and not Statement.objects.exists()
    response = questionnaire_respond(
        questionnaire=survey, user=world.retailer, answers={smoke.pk: "否", score.pk: 5, remark.pk: "  多来店里 "}
    )
    assert response.answers == {str(smoke.pk): "否", str(score.pk): 5, str(remark.pk): "多来店里"}
    statement = Statement.objects.get()
    assert (statement.verb_id, statement.activity_type) == (Verb.RESPONDED, ActivityType.QUESTIONNAIRE)
    with pytest.raises(Conflict) as again:
        questionnaire_respond(questionnaire=survey, user=world.retailer, answers={smoke.pk: "否", score.pk: 5})
    assert again.value.message == "You have already answered this questionnaire."


@pytest.mark.django_db
def test_the_scope_says_who_may_answer_and_results_count_every_answer(world):
    survey, (smoke, brands, score, remark) = _survey(world)
    with pytest.raises(PermissionDenied):
        questionnaire_respond(questionnaire=survey, user=world.staff, answers={smoke.pk: "否", score.pk: 5})
    questionnaire_respond(
        questionnaire=survey, user=world.retailer, answers={smoke.pk: "是", brands.pk: ["甲", "丙"], score.pk: 3}
    )
    public = Questionnaire.objects.create(title="消费者调查", status="open", scope="public", one_answer=True)
    q = Question.objects.create(questionnaire=public, text="满意吗", kind="scale", scale_max=5)
    from django.contrib.auth.models import AnonymousUser

    questionnaire_respond(questionnaire=public, user=AnonymousUser(), answers={q.pk: 4}, visitor_key="abc")
    with pytest.raises(Conflict):
        questionnaire_respond(questionnaire=public, user=AnonymousUser(), answers={q.pk: 2}, visitor_key="abc")
    questionnaire_respond(questionnaire=public, user=AnonymousUser(), answers={q.pk: 2}, visitor_key="def")
    results = questionnaire_results(questionnaire=survey)
    assert results["responses"] == 1
    rows = {row["question"].pk: {o["label"]: o["count"] for o in row["options"]} for row in results["questions"]}
    assert rows[brands.pk] == {"甲": 1, "乙": 0, "丙": 1}
    assert rows[score.pk]["3"] == 1
    csv_text = questionnaire_csv(questionnaire=survey)
    assert csv_text.splitlines()[1].endswith(",li_retailer,是,甲; 丙,3,")
    assert questionnaire_results(questionnaire=public)["questions"][0]["options"][3]["count"] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_answer_per_person_holds_under_concurrent_submits(world):
    survey, (smoke, _brands, score, _remark) = _survey(world)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def submit():
        try:
            barrier.wait()
            questionnaire_respond(questionnaire=survey, user=world.retailer, answers={smoke.pk: "否", score.pk: 4})
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["ok"]
    assert Response.objects.filter(questionnaire=survey).count() == 1
    assert Statement.objects.filter(verb_id=Verb.RESPONDED).count() == 1
