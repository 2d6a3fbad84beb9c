"""The livestream rules, through the real services: publishing keys and windows, ending and the replay, chat limits,
the word filter and mutes, watch credit that cannot be forged, quiz scoring and closing, attendance once."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings

from content.livestreams import selectors, services
from content.livestreams.models import BannedWord, ChatMessage, QuizAnswer, Status, StreamState
from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _live(w, *, at=None):
    return services.stream_publish_authorise(key=w.key, now=at or w.start)


# --- publishing ---------------------------------------------------------------------------------------


def test_on_publish_accepts_the_right_key_in_the_window_and_marks_the_stream_live(
    stream_world, rooms_sent, django_capture_on_commit_callbacks
):
    w = stream_world
    with django_capture_on_commit_callbacks(execute=True):
        state = services.stream_publish_authorise(key=w.key, now=w.start - timedelta(minutes=5))
    assert state.status == Status.LIVE
    assert state.live_started_at == w.start - timedelta(minutes=5)
    assert state.public_name and w.key not in state.public_name
    assert ("livestreams", str(w.stream.pk), {"kind": "status", "status": "live"}) in rooms_sent


@pytest.mark.parametrize(
    ("key", "message"),
    [("not-a-key", "Unknown stream key."), ("", "Unknown stream key.")],
)
def test_on_publish_refuses_a_wrong_key(stream_world, key, message):
    with pytest.raises(ApplicationError) as refused:
        services.stream_publish_authorise(key=key, now=stream_world.start)
    assert (refused.value.status, refused.value.message) == (403, message)
    assert StreamState.objects.get(pk=stream_world.stream.pk).status == Status.SCHEDULED


def test_on_publish_refuses_a_revoked_key_and_accepts_the_new_one(stream_world):
    w = stream_world
    new = services.stream_key_rotate(user=w.staff, stream=w.stream)
    with pytest.raises(ApplicationError) as refused:
        services.stream_publish_authorise(key=w.key, now=w.start)
    assert (refused.value.status, refused.value.message) == (403, "This stream key was revoked.")
    assert services.stream_publish_authorise(key=new.key, now=w.start).status == Status.LIVE


def test_only_the_host_or_an_editor_rotates_the_key(stream_world):
    with pytest.raises(ApplicationError) as refused:
        services.stream_key_rotate(user=stream_world.retailer, stream=stream_world.stream)
    assert refused.value.status == 403
    assert services.stream_key_rotate(user=stream_world.editor, stream=stream_world.stream).revoked_at is None


@pytest.mark.parametrize(
    "offset",
    [-services.PUBLISH_EARLY - timedelta(minutes=1), timedelta(hours=1) + services.PUBLISH_LATE + timedelta(minutes=1)],
)
def test_on_publish_refuses_a_stream_outside_its_window(stream_world, offset):
    w = stream_world
    with pytest.raises(ApplicationError) as refused:
        services.stream_publish_authorise(key=w.key, now=w.start + offset)
    assert refused.value.status == 403
    assert refused.value.message.startswith("This stream may be published from ")
    assert StreamState.objects.get(pk=w.stream.pk).status == Status.SCHEDULED


def test_on_publish_refuses_an_unpublished_stream(stream_world):
    stream_world.stream.unpublish()
    with pytest.raises(ApplicationError) as refused:
        services.stream_publish_authorise(key=stream_world.key, now=stream_world.start)
    assert refused.value.message == "This stream is not published."


def test_on_publish_done_ends_the_stream_and_makes_the_replay_from_the_kept_playlist(stream_world, tmp_path):
    w = stream_world
    state = _live(w)
    playlist = tmp_path / f"{state.public_name}.m3u8"
    playlist.write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-TARGETDURATION:3\n"
        f"#EXTINF:3.000,\n{state.public_name}-0.ts\n#EXTINF:2.500,\n{state.public_name}-1.ts\n"
    )
    with override_settings(LIVESTREAMS_HLS_DIR=str(tmp_path), LIVESTREAMS_HLS_URL="/hls/"):
        ended = services.stream_publish_done(name=state.public_name, now=w.start + timedelta(minutes=40))
    assert ended.status == Status.ENDED
    assert ended.ended_at == w.start + timedelta(minutes=40)
    assert ended.recording_url == f"/hls/{state.public_name}-replay.m3u8"
    replay = Path(tmp_path / f"{state.public_name}-replay.m3u8").read_text().splitlines()
    assert replay[:2] == ["#EXTM3U", "#EXT-X-PLAYLIST-TYPE:VOD"]
    assert replay[-1] == "#EXT-X-ENDLIST"
    assert f"{state.public_name}-1.ts" in replay
    source = selectors.player_source(w.stream, ended)
    assert source == {"url": ended.recording_url, "hls": True, "live": False}


def test_on_publish_done_for_an_unknown_name_changes_nothing(stream_world):
    _live(stream_world)
    with pytest.raises(ApplicationError) as refused:
        services.stream_publish_done(name="s999-nothing")
    assert refused.value.status == 404
    assert StreamState.objects.get(pk=stream_world.stream.pk).status == Status.LIVE


# --- chat -----------------------------------------------------------------------------------------------


def test_chat_reaches_the_room_filtered(stream_world, rooms_sent, django_capture_on_commit_callbacks):
    w = stream_world
    _live(w)
    BannedWord.objects.create(word="假货")
    BannedWord.objects.create(word="SPAM")
    with django_capture_on_commit_callbacks(execute=True):
        message = services.chat_post(user=w.retailer, stream=w.stream, text="  这不是假货吧 spam  ", now=w.start)
    assert message.text == "这不是**吧 ****"
    events = [payload for _k, _key, payload in rooms_sent if payload and payload["kind"] == "chat"]
    assert events == [services.chat_message_out(message)]
    assert events[0]["author"] == "李春梅"


def test_a_word_added_to_the_filter_holds_at_once(stream_world):
    w = stream_world
    _live(w)
    assert services.chat_post(user=w.retailer, stream=w.stream, text="烟花", now=w.start).text == "烟花"
    BannedWord.objects.create(word="烟花")
    assert services.chat_post(user=w.retailer, stream=w.stream, text="烟花", now=w.start).text == "**"


def test_chat_length_limit(stream_world):
    w = stream_world
    _live(w)
    services.chat_post(user=w.retailer, stream=w.stream, text="好" * services.CHAT_MAX_CHARS)
    with pytest.raises(ApplicationError) as refused:
        services.chat_post(user=w.retailer, stream=w.stream, text="好" * (services.CHAT_MAX_CHARS + 1))
    assert (refused.value.status, refused.value.message) == (400, "A message holds at most 200 characters.")
    with pytest.raises(ApplicationError):
        services.chat_post(user=w.retailer, stream=w.stream, text="   ")
    assert ChatMessage.objects.count() == 1


def test_chat_rate_limit_is_per_person(stream_world):
    w = stream_world
    _live(w)
    for n in range(5):
        services.chat_post(user=w.retailer, stream=w.stream, text=f"第{n}条")
    with pytest.raises(ApplicationError) as refused:
        services.chat_post(user=w.retailer, stream=w.stream, text="第6条")
    assert (refused.value.status, refused.value.message) == (429, "You are writing too fast; wait a moment.")
    services.chat_post(user=w.member, stream=w.stream, text="我还能说话")
    assert ChatMessage.objects.filter(author=w.retailer).count() == 5


def test_a_muted_persons_messages_reach_nobody(stream_world, rooms_sent, django_capture_on_commit_callbacks):
    w = stream_world
    _live(w)
    with django_capture_on_commit_callbacks(execute=True):
        earlier = services.chat_post(user=w.retailer, stream=w.stream, text="买买买")
    with pytest.raises(ApplicationError) as refused:
        services.stream_mute(user=w.member, stream=w.stream, person=w.retailer)
    assert refused.value.status == 403  # a viewer cannot mute
    with django_capture_on_commit_callbacks(execute=True):
        services.stream_mute(user=w.staff, stream=w.stream, person=w.retailer)
    rooms_sent.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError) as refused:
        services.chat_post(user=w.retailer, stream=w.stream, text="我又来了")
    assert (refused.value.status, refused.value.message) == (403, "You are muted in this stream.")
    assert rooms_sent == []
    assert list(ChatMessage.objects.filter(deleted_at__isnull=True)) == []
    assert selectors.recent_chat(stream_id=w.stream.pk) == []
    earlier.refresh_from_db()
    assert earlier.deleted_by == w.staff
    # Muted in this stream only; and the host may lift it.
    services.stream_unmute(user=w.staff, stream=w.stream, person=w.retailer)
    assert services.chat_post(user=w.retailer, stream=w.stream, text="谢谢主播").pk


def test_a_batch_of_chat_is_checked_message_by_message_and_written_and_sent_once(
    stream_world, monkeypatch, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """What a room socket's batch does (consumers.ChatQueue): each message meets every rule on its own; those
    accepted are stored in arrival order in one transaction and reach the room as one notice."""
    import realtime.rooms

    w = stream_world
    _live(w)
    services.stream_mute(user=w.staff, stream=w.stream, person=w.villager)
    for n in range(5):  # the member has used up the rate limit
        services.chat_post(user=w.member, stream=w.stream, text=f"第{n}条")
    BannedWord.objects.create(word="假货")
    services.banned_words_changed()
    notices = []
    monkeypatch.setattr(realtime.rooms, "room_send", lambda kind, key, *payloads: notices.append(payloads))
    posts = [
        services.ChatPost(user=w.retailer, text="一 假货"),
        services.ChatPost(user=w.villager, text="我被禁言了"),
        services.ChatPost(user=w.editor, text="好" * (services.CHAT_MAX_CHARS + 1)),
        services.ChatPost(user=w.member, text="第6条"),
        services.ChatPost(user=None, text="匿名"),
        services.ChatPost(user=w.editor, text="二"),
        services.ChatPost(user=w.retailer, text="三"),
    ]
    # SAVEPOINT, the state locked, the mutes, the word list, one INSERT, RELEASE: whatever the batch's size.
    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(6):
        outcomes = services.chat_post_many(stream=w.stream, posts=posts)
    refusals = [(o.status, o.message) for o in outcomes if isinstance(o, ApplicationError)]
    assert refusals == [
        (403, "You are muted in this stream."),
        (400, "A message holds at most 200 characters."),
        (429, "You are writing too fast; wait a moment."),
        (403, "Sign in first."),
    ]
    stored = [o for o in outcomes if isinstance(o, ChatMessage)]
    assert [m.text for m in stored] == ["一 **", "二", "三"]
    assert [m.pk for m in stored] == sorted(m.pk for m in stored)
    assert list(ChatMessage.objects.filter(pk__gte=stored[0].pk).values_list("text", flat=True).order_by("pk")) == [
        "一 **",
        "二",
        "三",
    ]
    assert notices == [tuple(services.chat_message_out(m) for m in stored)]


def test_the_host_deletes_a_message_for_everyone(stream_world, rooms_sent, django_capture_on_commit_callbacks):
    w = stream_world
    _live(w)
    message = services.chat_post(user=w.retailer, stream=w.stream, text="广告")
    with pytest.raises(ApplicationError):
        services.chat_message_delete(user=w.member, message=message)
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_message_delete(user=w.staff, message=message)
    assert ("livestreams", str(w.stream.pk), {"kind": "chat-deleted", "id": message.pk}) in rooms_sent
    assert selectors.recent_chat(stream_id=w.stream.pk) == []


# --- watch time and attendance ------------------------------------------------------------------------------


def test_heartbeats_faster_than_time_passes_earn_no_more_than_wall_time(stream_world):
    w = stream_world
    _live(w)
    t = w.start
    services.stream_heartbeat(user=w.retailer, stream=w.stream, now=t)
    # 600 heartbeats within one minute of wall time (ten a second).
    for n in range(1, 601):
        session = services.stream_heartbeat(user=w.retailer, stream=w.stream, now=t + timedelta(seconds=n / 10))
    assert session.live_seconds == pytest.approx(60.0)
    # The same instant sent again, or an earlier one, earns nothing.
    again = services.stream_heartbeat(user=w.retailer, stream=w.stream, now=t + timedelta(seconds=30))
    assert again.live_seconds == pytest.approx(60.0)


def test_a_gap_longer_than_the_heartbeat_period_counts_only_up_to_the_cap(stream_world):
    w = stream_world
    _live(w)
    services.stream_heartbeat(user=w.retailer, stream=w.stream, now=w.start)
    session = services.stream_heartbeat(user=w.retailer, stream=w.stream, now=w.start + timedelta(hours=2))
    assert session.live_seconds == services.HEARTBEAT_MAX_GAP


def _watch(w, user, *, minutes: int, start=None):
    t = start or w.start
    services.stream_heartbeat(user=user, stream=w.stream, now=t)
    for n in range(1, minutes * 2 + 1):
        services.stream_heartbeat(user=user, stream=w.stream, now=t + timedelta(seconds=30 * n))


def _attended(user, stream):
    return Statement.objects.filter(
        actor_user=user, verb_id=Verb.ATTENDED, object_id=stream.activity_iri, activity_type=ActivityType.LIVESTREAM
    )


def test_attendance_is_recorded_exactly_once_per_person_and_stream(stream_world):
    w = stream_world
    _live(w)
    # Half of the planned hour, live: attended (and enrolled in the stream's course).
    _watch(w, w.retailer, minutes=31)
    _watch(w, w.member, minutes=5)
    assert _attended(w.retailer, w.stream).count() == 1
    statement = _attended(w.retailer, w.stream).get()
    assert statement.full["context"]["contextActivities"]["parent"][0]["id"].endswith(f"/course/{w.course.pk}")
    assert statement.full["result"]["duration"] == "PT1800.0S"
    assert w.course.enrolments.filter(user=w.retailer).exists()
    # More heartbeats, and the end of the stream, record nothing new.
    _watch(w, w.retailer, minutes=3, start=w.start + timedelta(minutes=32))
    services.stream_end(user=w.staff, stream=w.stream, now=w.start + timedelta(minutes=40))
    assert _attended(w.retailer, w.stream).count() == 1
    # The end measures the share of the stream's real length (40 minutes): 5 minutes is not half of it.
    assert _attended(w.member, w.stream).count() == 0


def test_the_end_credits_attendance_of_a_stream_shorter_than_planned(stream_world):
    w = stream_world
    _live(w)
    _watch(w, w.member, minutes=12)
    assert _attended(w.member, w.stream).count() == 0
    services.stream_end(user=w.staff, stream=w.stream, now=w.start + timedelta(minutes=20))
    assert _attended(w.member, w.stream).count() == 1
    with pytest.raises(ApplicationError):
        services.stream_end(user=w.staff, stream=w.stream, now=w.start + timedelta(minutes=21))
    assert _attended(w.member, w.stream).count() == 1


def test_watching_the_replay_to_its_share_is_one_watched_statement(stream_world):
    w = stream_world
    _live(w)
    services.stream_end(user=w.staff, stream=w.stream, now=w.start + timedelta(minutes=10))
    state = StreamState.objects.get(pk=w.stream.pk)
    # No media server here: the replay is the uploaded video.
    w.stream.video_url = "/static/learning/demo/sample.webm"
    w.stream.video_seconds = 600
    w.stream.save_revision().publish()
    assert selectors.player_source(w.stream, state)["url"] == "/static/learning/demo/sample.webm"
    later = w.start + timedelta(days=1)
    _watch(w, w.villager, minutes=7, start=later)
    assert not Statement.objects.filter(actor_user=w.villager, verb_id=Verb.WATCHED).exists()
    _watch(w, w.villager, minutes=2, start=later + timedelta(minutes=8))
    watched = Statement.objects.filter(actor_user=w.villager, verb_id=Verb.WATCHED)
    assert watched.count() == 1
    _watch(w, w.villager, minutes=2, start=later + timedelta(minutes=20))
    assert watched.count() == 1


# --- quizzes ------------------------------------------------------------------------------------------------


def test_quiz_scores_by_answer_time_and_closes_at_the_countdown(
    stream_world, rooms_sent, django_capture_on_commit_callbacks
):
    w = stream_world
    _live(w)
    t = w.start + timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        round_ = services.quiz_open(user=w.staff, stream=w.stream, question_id=w.question.pk, now=t)
    pushed = [p for _k, _key, p in rooms_sent if p and p["kind"] == "quiz"]
    assert pushed[0]["text"] == "龙井茶产自哪里?" and pushed[0]["choices"] == ["杭州", "云南", "福建"]
    assert pushed[0]["correct"] is None  # not given away while open
    with pytest.raises(ApplicationError) as refused:
        services.quiz_open(user=w.staff, stream=w.stream, question_id=w.question.pk, now=t + timedelta(seconds=3))
    assert refused.value.message == "A question is still open."

    fast = services.quiz_answer(user=w.retailer, round_=round_, choice=0, now=t + timedelta(seconds=2))
    slow = services.quiz_answer(user=w.member, round_=round_, choice=0, now=t + timedelta(seconds=18))
    wrong = services.quiz_answer(user=w.villager, round_=round_, choice=1, now=t + timedelta(seconds=1))
    assert (fast.points, slow.points, wrong.points) == (950, 550, 0)
    with pytest.raises(ApplicationError) as twice:
        services.quiz_answer(user=w.retailer, round_=round_, choice=0, now=t + timedelta(seconds=3))
    assert (twice.value.status, twice.value.message) == (409, "You have answered this question.")
    with pytest.raises(ApplicationError) as late:
        services.quiz_answer(user=w.volunteer, round_=round_, choice=0, now=t + timedelta(seconds=20))
    assert (late.value.status, late.value.message) == (409, "Time is up for this question.")
    assert QuizAnswer.objects.count() == 3

    top = selectors.quiz_top(stream_id=w.stream.pk)
    assert [(row["name"], row["points"]) for row in top] == [("李春梅", 950), ("王建国", 550), ("孙大爷", 0)]
    answered = Statement.objects.filter(verb_id=Verb.ANSWERED, activity_type=ActivityType.LIVESTREAM)
    assert answered.count() == 3
    assert answered.get(actor_user=w.retailer).full["result"]["score"]["raw"] == 950
    # After the countdown the next question may open, and the room shows the right answer of the last.
    services.quiz_open(
        user=w.staff,
        stream=w.stream,
        text="笋干怎么保存?",
        choices=["通风干燥处", "冰箱冷冻"],
        correct=0,
        seconds=10,
        now=t + timedelta(seconds=20),
    )
    closed = services.quiz_round_out(round_, now=t + timedelta(seconds=20))
    assert closed["closed"] is True and closed["correct"] == 0


def test_only_the_host_asks_and_only_while_live(stream_world):
    w = stream_world
    with pytest.raises(ApplicationError) as not_live:
        services.quiz_open(user=w.staff, stream=w.stream, question_id=w.question.pk)
    assert not_live.value.status == 409
    _live(w)
    with pytest.raises(ApplicationError) as viewer:
        services.quiz_open(user=w.retailer, stream=w.stream, question_id=w.question.pk)
    assert viewer.value.status == 403


# --- products ---------------------------------------------------------------------------------------------


def test_the_host_pins_a_product_for_every_viewer_and_the_replay_keeps_it(
    stream_world, rooms_sent, django_capture_on_commit_callbacks
):
    w = stream_world
    _live(w)
    tea, bamboo = w.products
    with pytest.raises(ApplicationError):
        services.product_pin(user=w.retailer, stream=w.stream, product_id=tea.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.product_pin(user=w.staff, stream=w.stream, product_id=tea.pk, now=w.start + timedelta(seconds=90))
    pins = [p for _k, _key, p in rooms_sent if p and p["kind"] == "pin"]
    assert pins == [
        {
            "kind": "pin",
            "product": {
                "id": tea.pk,
                "name": "龙井茶",
                "price": "88.00",
                "seller": "龙坞村惠民服务站",
                "stock": 50,
                "link": "",
                "image": "",
            },
        }
    ]
    services.product_pin(user=w.staff, stream=w.stream, product_id=bamboo.pk, now=w.start + timedelta(seconds=300))
    services.product_click(user=w.retailer, stream=w.stream, product_id=bamboo.pk)
    services.stream_end(user=w.staff, stream=w.stream, now=w.start + timedelta(minutes=30))
    replay = selectors.replay(stream=w.stream)
    assert [(p["offset"], p["product"]["name"]) for p in replay["pins"]] == [(90.0, "龙井茶"), (300.0, "高山笋干")]
    report = selectors.stream_report(stream=w.stream)
    assert report["product_clicks"] == [{"product_id": bamboo.pk, "name": "高山笋干", "clicks": 1}]


def test_the_report_counts_viewers_watch_time_and_messages(stream_world):
    w = stream_world
    _live(w)
    _watch(w, w.retailer, minutes=10)
    _watch(w, w.member, minutes=5)
    services.stream_heartbeat(user=w.member, stream=w.stream, viewers=7, now=w.start + timedelta(minutes=6))
    services.chat_post(user=w.retailer, stream=w.stream, text="你好", now=w.start)
    services.stream_end(user=w.staff, stream=w.stream, now=w.start + timedelta(minutes=10))
    report = selectors.stream_report(stream=w.stream)
    assert report["live_seconds"] == 600
    assert report["live_watch_seconds"] == 600 + 300 + 30
    assert report["average_viewers"] == 1.6
    assert report["peak_viewers"] == 7
    assert report["chat_messages"] == 1
    units = selectors.attendance_by_unit(stream=w.stream)
    assert {(u["unit"], u["watched"], u["attended"]) for u in units} == {("城西一网格", 1, 1), ("城西市场部", 1, 1)}
