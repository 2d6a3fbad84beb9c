"""The learner's pages and the /api/learning/ endpoints, through the test client, as a phone would use them."""

import pytest
from django.core.files.base import ContentFile
from wagtailmedia.models import Media

from content.learning.models import Enrolment, LessonPage
from core.activity.models import Statement
from core.activity.vocabulary import Verb

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def retailer_client(client, world):
    client.force_login(world.retailer)
    return client


def test_catalogue_filters_by_category(client, course_tree):
    page = client.get(course_tree.catalogue.url)
    assert page.status_code == 200
    assert "卷烟陈列技巧" in page.content.decode()
    other = client.get(course_tree.catalogue.url + "?category=law")
    assert "卷烟陈列技巧" not in other.content.decode()


def test_course_page_enrol_and_progress_bar(retailer_client, world, course_tree):
    page = retailer_client.get(course_tree.course.url)
    html = page.content.decode()
    assert 'data-testid="enrol"' in html
    assert 'data-testid="course-progress">0%<' in html
    for lesson in course_tree.lessons:
        assert lesson.title in html
    response = retailer_client.post(course_tree.course.url + "enrol/")
    assert response.status_code == 302
    assert response["Location"] == course_tree.video.url
    assert Enrolment.objects.filter(user=world.retailer).count() == 1


def test_lesson_pages_render_players_and_record_a_view(retailer_client, world, course_tree):
    html = retailer_client.get(course_tree.video.url).content.decode()
    assert '<video class="player"' in html and "/static/learning/demo/sample.webm" in html
    html = retailer_client.get(course_tree.audio.url).content.decode()
    assert '<audio class="player"' in html
    retailer_client.get(course_tree.text.url)
    assert Statement.objects.filter(actor_user=world.retailer, verb_id=Verb.EXPERIENCED).count() == 3


def test_quiz_page_hides_the_answers_and_scores_a_submission(retailer_client, world, course_tree, answers):
    html = retailer_client.get(course_tree.quiz.url).content.decode()
    assert 'data-testid="quiz-start"' in html and 'data-testid="quiz-form"' not in html
    assert not course_tree.quiz.attempts.filter(user=world.retailer).exists(), "reading the quiz started nothing"
    started = retailer_client.post(course_tree.quiz.url, {"start": "1"})
    assert started.status_code == 302
    html = retailer_client.get(course_tree.quiz.url).content.decode()
    assert "*" not in html.split('data-testid="quiz-form"')[1].split("</form>")[0]
    attempt = course_tree.quiz.attempts.get(user=world.retailer)
    retailer_client.post(course_tree.quiz.url, {"start": "1"})
    assert course_tree.quiz.attempts.filter(user=world.retailer).count() == 1, "starting again resumes the open one"
    data = {"attempt": attempt.pk}
    for qid, choices in answers.right(course_tree.quiz).items():
        data[f"q-{qid}"] = [str(c) for c in choices]
    html = retailer_client.post(course_tree.quiz.url, data).content.decode()
    assert 'data-testid="quiz-score">100%<' in html


def test_api_flow_enrol_progress_quiz_and_my_learning(retailer_client, world, course_tree, answers):
    base = "/api/learning"
    courses = retailer_client.get(f"{base}/courses?category=display").json()
    assert [c["title"] for c in courses] == ["卷烟陈列技巧"]
    detail = retailer_client.get(f"{base}/courses/{course_tree.course.pk}").json()
    assert [s["kind"] for s in detail["steps"]] == ["video", "audio", "pictures", "text", "quiz"]
    assert detail["enrolled"] is False

    assert retailer_client.post(f"{base}/courses/{course_tree.course.pk}/enrol").status_code == 200
    assert retailer_client.post(f"{base}/lessons/{course_tree.video.pk}/view").json()["percent"] == 0
    forged = retailer_client.post(
        f"{base}/lessons/{course_tree.video.pk}/progress", {"position_seconds": 100}, content_type="application/json"
    )
    assert forged.status_code == 200
    assert forged.json()["completed"] is False
    assert forged.json()["percent"] < 10
    refused = retailer_client.post(f"{base}/lessons/{course_tree.video.pk}/complete")
    assert refused.status_code == 409
    assert refused.json()["message"] == "请先看完或听完。"
    bad = retailer_client.post(
        f"{base}/lessons/{course_tree.video.pk}/progress", {"position_seconds": -5}, content_type="application/json"
    )
    assert bad.status_code == 422

    quiz = retailer_client.get(f"{base}/quizzes/{course_tree.quiz.pk}").json()
    assert (quiz["attempt_id"], quiz["questions"]) == (None, [])
    assert not course_tree.quiz.attempts.exists(), "reading the quiz started nothing"
    quiz = retailer_client.post(f"{base}/quizzes/{course_tree.quiz.pk}/attempts").json()
    assert len(quiz["questions"]) == 3
    again = retailer_client.get(f"{base}/quizzes/{course_tree.quiz.pk}").json()
    assert (again["attempt_id"], again["questions"]) == (quiz["attempt_id"], quiz["questions"])
    assert all("correct" not in c for q in quiz["questions"] for c in q["choices"])
    result = retailer_client.post(
        f"{base}/quizzes/{course_tree.quiz.pk}/submit",
        {"attempt_id": quiz["attempt_id"], "answers": answers.right(course_tree.quiz)},
        content_type="application/json",
    ).json()
    assert (result["score_percent"], result["passed"]) == (100, True)

    mine = retailer_client.get(f"{base}/me").json()
    assert [row["course"]["title"] for row in mine["in_progress"]] == ["卷烟陈列技巧"]
    assert mine["in_progress"][0]["progress_percent"] == 20
    assert mine["in_progress"][0]["resume_url"] == course_tree.video.url
    assert mine["finished"] == []
    my_page = retailer_client.get(course_tree.catalogue.url + "my/").content.decode()
    assert "卷烟陈列技巧" in my_page and 'data-testid="resume"' in my_page


def test_api_needs_a_signed_in_person(client, course_tree):
    response = client.post(f"/api/learning/courses/{course_tree.course.pk}/enrol")
    assert response.status_code == 401


def test_uploaded_media_is_served_with_range_requests(client, course_tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    payload = bytes(range(256)) * 40  # 10,240 bytes
    media = Media.objects.create(title="样片", type="video", duration=3, file=ContentFile(payload, name="clip.webm"))
    lesson = course_tree.course.add_child(
        instance=LessonPage(title="上传的视频", slug="uploaded", kind="video", media=media, duration_seconds=3)
    )
    url = lesson.url + "media/"
    whole = client.get(url)
    assert whole.status_code == 200
    assert whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == payload

    part = client.get(url, HTTP_RANGE="bytes=1000-1099")
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 1000-1099/10240"
    assert part["Content-Length"] == "100"
    assert b"".join(part.streaming_content) == payload[1000:1100]

    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert tail.status_code == 206
    assert b"".join(tail.streaming_content) == payload[-10:]
    assert client.get(url, HTTP_RANGE="bytes=20000-").status_code == 416
    assert lesson.media_url == url
    assert url in client.get(lesson.url).content.decode()


def test_home_page_offers_to_continue_learning(retailer_client, client, world, course_tree):
    assert 'data-testid="continue-learning"' not in retailer_client.get("/").content.decode()
    retailer_client.post(course_tree.course.url + "enrol/")
    html = retailer_client.get("/").content.decode()
    assert 'data-testid="continue-learning"' in html and "卷烟陈列技巧" in html
