"""Recommendations as a person meets them, on a fixture catalogue of real course pages (issue #12, item 4):

- they change at once after a completion, with no new training: what the person has started or finished
  leaves the list, and so do the course of a started lesson and that course's other lessons;
- nobody sees a lesson beside its own course;
- content meant for some roles reaches only people with one of them (a villager gets no retailer course).

Learners' histories are statements as the learning app writes them (through its services), so the lesson
statements name their course the way the live site's do.
"""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Site

from content.learning import services as learning
from content.learning.models import CourseIndexPage, CoursePage, LessonPage, QuizPage, QuizQuestion
from core.people.models import Role, RoleAssignment, User
from recommender.serving import recommendations_for

pytestmark = pytest.mark.django_db

# slug -> (title, audience roles, number of lessons)
COURSES = {
    "display": ("卷烟陈列技巧", [], 2),
    "display-2": ("卷烟陈列进阶", [], 2),
    "ordering": ("手机订货系统操作", [Role.RETAILER], 2),
    "minors": ("不向未成年人售烟", [Role.RETAILER], 2),
    "parcels": ("代收快递怎么做", [Role.VILLAGER, Role.RETAILER], 2),
    "safety": ("安全生产须知", [], 2),
    "bookkeeping": ("小店记账", [], 2),
    "cash": ("现金流管理", [], 2),
}


def _at(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=30) + dt.timedelta(minutes=minutes)


@pytest.fixture
def catalogue(world):
    home = Site.objects.get(is_default_site=True).root_page.specific
    index = home.add_child(instance=CourseIndexPage(title="学苑课程", slug="courses"))
    courses, lessons = {}, {}
    for slug, (title, audience, n) in COURSES.items():
        course = index.add_child(
            instance=CoursePage(title=title, slug=slug, summary=title, category="display", audience_roles=audience)
        )
        courses[slug] = course
        lessons[slug] = [
            course.add_child(
                instance=LessonPage(
                    title=f"{title}·第{i + 1}课", slug=f"l{i}", kind="text", duration_seconds=10, body=[("text", "x")]
                )
            )
            for i in range(n)
        ]
    quiz = QuizPage(title="陈列小测验", slug="quiz", pass_mark=60, max_attempts=3)
    quiz.questions.add(QuizQuestion(kind="true_false", text="陈列越乱越好。", choices="对\n*错"))
    courses["display"].add_child(instance=quiz)
    return SimpleNamespace(courses=courses, lessons=lessons, quiz=quiz)


def _finish(user, lesson, minute):
    learning.lesson_view(user=user, lesson=lesson, now=_at(minute))
    learning.lesson_complete(user=user, lesson=lesson, now=_at(minute + 1))


@pytest.fixture
def learners(world, catalogue):
    """Eight retailers and three villagers in the fixture world, with histories: the retailers learn display
    then display-2 or bookkeeping then cash, and then ordering and minors; the villagers learn parcels and
    safety."""
    people = []
    for i in range(11):
        villager = i >= 8
        user = User.objects.create(username=f"p{i}", display_name=f"学员{i}", org_unit=world.grid)
        RoleAssignment.objects.create(user=user, role=Role.VILLAGER if villager else Role.RETAILER)
        people.append(user)
        if villager:
            path = ["parcels", "safety"]
        elif i % 2 == 0:
            path = ["display", "display-2", "ordering", "minors"]
        else:
            path = ["bookkeeping", "cash", "ordering", "minors", "parcels"]
        for n, slug in enumerate(path):
            for k, lesson in enumerate(catalogue.lessons[slug]):
                _finish(user, lesson, i * 100 + n * 10 + k * 3)
    return people


@pytest.fixture
def model_dir(tmp_path, settings):
    from recommender.services import current_model_reset

    settings.RECOMMENDER_MODEL_DIR = tmp_path / "models"
    settings.RECOMMENDER_RELOAD_SECONDS = 0
    current_model_reset()
    yield settings.RECOMMENDER_MODEL_DIR
    current_model_reset()


def train():
    call_command("train_recommender", "--no-progress", stdout=io.StringIO())


def _ids(user, **kwargs):
    return [r["item_id"] for r in recommendations_for(user, **kwargs)]


def _family(catalogue, item_id: str) -> str | None:
    """The slug of the course an item is or belongs to."""
    for slug, course in catalogue.courses.items():
        if item_id == course.item_id or item_id in {lesson.item_id for lesson in catalogue.lessons[slug]}:
            return slug
    return None


def _lesson_beside_its_course(catalogue, ids) -> list[str]:
    lessons_of = {c.item_id: {lesson.item_id for lesson in catalogue.lessons[s]} for s, c in catalogue.courses.items()}
    return [i for course, lessons in lessons_of.items() if course in ids for i in ids if i in lessons]


@pytest.mark.parametrize("with_model", [True, False], ids=["model", "no-model"])
def test_after_two_lessons_and_a_quiz_the_list_changes_and_leaves_out_what_she_does(
    world, catalogue, learners, model_dir, with_model
):
    if with_model:
        train()
    retailer = world.retailer
    # she began display-2 long ago (one lesson opened): it is "continue learning", not a recommendation
    learning.lesson_view(user=retailer, lesson=catalogue.lessons["display-2"][0], now=_at(-60))
    before = _ids(retailer, limit=6)
    assert len(before) == 6
    assert {_family(catalogue, i) for i in before}.isdisjoint({"display-2"}), before

    # the journey: two lessons of display, then its quiz passed; no training in between
    _finish(retailer, catalogue.lessons["display"][0], 5000)
    _finish(retailer, catalogue.lessons["display"][1], 5010)
    attempt = learning.quiz_start(user=retailer, quiz=catalogue.quiz, now=_at(5020))
    right = {str(q.pk): sorted(q.correct_indexes()) for q in catalogue.quiz.questions.all()}
    assert learning.quiz_submit(
        user=retailer, quiz=catalogue.quiz, attempt_id=attempt.pk, answers=right, now=_at(5021)
    ).passed

    after = _ids(retailer, limit=6)
    assert after != before
    families = {_family(catalogue, i) for i in after}
    assert families.isdisjoint({"display", "display-2"}), after  # done or in progress, with their lessons
    assert _lesson_beside_its_course(catalogue, after) == []
    assert len(after) == 6  # the list is still full


@pytest.mark.parametrize("with_model", [True, False], ids=["model", "no-model"])
def test_a_villager_gets_nothing_meant_only_for_retailers(world, catalogue, learners, model_dir, with_model):
    if with_model:
        train()
    retailer_only = {"ordering", "minors"}
    for kind in (None, "course", "lesson"):
        shown = _ids(world.villager, kind=kind, limit=20)
        assert shown, kind
        assert {_family(catalogue, i) for i in shown}.isdisjoint(retailer_only), shown
    # a course meant for villagers and retailers reaches both
    assert "parcels" in {_family(catalogue, i) for i in _ids(world.villager, limit=20)}
    # and the retailer-only courses do reach a retailer who has not taken them
    assert retailer_only <= {_family(catalogue, i) for i in _ids(world.retailer, limit=20)}


@pytest.mark.parametrize("with_model", [True, False], ids=["model", "no-model"])
def test_no_lesson_beside_its_own_course(world, catalogue, learners, model_dir, with_model):
    if with_model:
        train()
    for person in [world.retailer, world.villager, *learners[:6]]:
        for limit in (3, 6, 20):
            ids = _ids(person, limit=limit)
            assert _lesson_beside_its_course(catalogue, ids) == [], (person, ids)


def test_one_per_family_keeps_whichever_ranks_first():
    from recommender.selectors import ItemFacts

    facts = ItemFacts.of(
        {
            "course:1": {"audience": ()},
            "lesson:11": {"part_of": "course:1"},
            "lesson:12": {"part_of": "course:1"},
            "course:2": {"audience": ("retailer",)},
            "lesson:21": {"part_of": "course:2", "audience": ("retailer",)},
        }
    )
    ranked = ["lesson:11", "course:2", "course:1", "lesson:12", "lesson:21", "course:3"]
    assert facts.one_per_family(ranked, 10) == ["lesson:11", "course:2", "lesson:12", "course:3"]
    assert facts.one_per_family(ranked, 2) == ["lesson:11", "course:2"]
    assert facts.busy({"lesson:12"}) == {"course:1", "lesson:11", "lesson:12"}
    assert facts.is_for("course:2", {"retailer"}) and not facts.is_for("course:2", {"villager"})
    assert facts.is_for("course:1", set()) and facts.is_for("course:3", {"villager"})
