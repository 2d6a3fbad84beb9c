"""A small course tree on top of the shared `world`: a catalogue with one course (video, audio,
pictures and text lessons and a quiz of three questions)."""

from types import SimpleNamespace

import pytest
from wagtail.models import Site

from content.learning.models import CourseIndexPage, CoursePage, LessonPage, QuizPage, QuizQuestion


@pytest.fixture
def course_tree(world):
    home = Site.objects.get(is_default_site=True).root_page.specific
    catalogue = home.add_child(instance=CourseIndexPage(title="学苑课程", slug="courses"))
    course = catalogue.add_child(
        instance=CoursePage(
            title="卷烟陈列技巧",
            slug="display-skills",
            summary="柜台和货架陈列的基本功,让顾客一眼找到想要的烟。",
            category="display",
            estimated_minutes=30,
            instructor="陈老师",
        )
    )
    course.tags.add("陈列", "柜台")
    course.save_revision().publish()
    video = course.add_child(
        instance=LessonPage(
            title="陈列的三个原则",
            slug="video",
            kind="video",
            stream_url="/static/learning/demo/sample.webm",
            duration_seconds=100,
        )
    )
    audio = course.add_child(
        instance=LessonPage(
            title="听听老店主怎么说",
            slug="audio",
            kind="audio",
            stream_url="/static/learning/demo/sample.ogg",
            duration_seconds=60,
        )
    )
    pictures = course.add_child(
        instance=LessonPage(title="好陈列图集", slug="pictures", kind="pictures", duration_seconds=40)
    )
    text = course.add_child(
        instance=LessonPage(
            title="陈列检查清单",
            slug="text",
            kind="text",
            duration_seconds=20,
            body=[("text", "<p>每天开门前检查一遍柜台。</p>")],
        )
    )
    quiz = QuizPage(title="陈列小测验", slug="quiz", pass_mark=60, max_attempts=2, shuffle=True)
    quiz.questions.add(
        QuizQuestion(kind="single", text="畅销品应该放在哪里?", choices="*顾客视线平齐处\n柜台最底层\n仓库里")
    )
    quiz.questions.add(
        QuizQuestion(kind="multiple", text="哪些做法是对的?", choices="*价签清楚\n*同品牌集中\n灰尘不管")
    )
    quiz.questions.add(
        QuizQuestion(kind="true_false", text="陈列越乱越好。", choices="对\n*错", explanation="整齐的陈列更好找。")
    )
    course.add_child(instance=quiz)
    return SimpleNamespace(
        catalogue=catalogue,
        course=course,
        video=video,
        audio=audio,
        pictures=pictures,
        text=text,
        quiz=quiz,
        lessons=[video, audio, pictures, text],
    )


def _right_answers(quiz):
    """question id -> the right choice ids (what a learner who knows the answers would tick)."""
    return {str(q.pk): sorted(q.correct_indexes()) for q in quiz.questions.all()}


def _wrong_answers(quiz):
    answers = {}
    for q in quiz.questions.all():
        wrong = [i for i in range(len(q.parsed_choices())) if i not in q.correct_indexes()]
        answers[str(q.pk)] = wrong[:1]
    return answers


@pytest.fixture
def answers():
    """`answers.right(quiz)` / `answers.wrong(quiz)`: answer dicts as a learner would submit them."""
    return SimpleNamespace(right=_right_answers, wrong=_wrong_answers)
