"""Writes of the learning app: enrolling, viewing and progressing through lessons, quizzes, completion.

Every rule is decided here, on the server: a client reports where its player is, never how far the
learner got, and never whether something is complete. Each step becomes one activity statement
through `core.activity.services.activity_record`, recorded once (its natural key names the step):

| step | verb | object | natural key |
| --- | --- | --- | --- |
| enrol | registered | course | ("learning-registered", user, course) |
| open a lesson (first time) | experienced | lesson | ("learning-viewed", user, lesson) |
| pass 25/50/75 % of a video or audio | progressed | lesson | ("learning-progressed", user, lesson, milestone) |
| lesson complete | completed | lesson | ("learning-completed", user, lesson) |
| submit a quiz attempt | answered | quiz | ("learning-answered", user, quiz, attempt number) |
| the attempt passed | passed | quiz | ("learning-passed", user, quiz) |
| the attempt failed | failed | quiz | ("learning-failed", user, quiz, attempt number) |
| all lessons done and quizzes passed | completed | course | ("learning-completed", user, course) |

The writes are split by what they are about: `courses` (recording a step, enrolling, the course's progress
and completion), `progress` (lessons) and `quizzes`; this package exports their public functions. Object ids
are the stable IRIs described in selectors.py. `now` parameters exist for the demo seed,
which replays months of history with past timestamps; requests never pass them.
"""

from .courses import ITEM_EXTENSION, PROGRESS_EXTENSION, course_enrol, iso_duration
from .progress import (
    MAX_PLAYBACK_RATE,
    MAX_POSITION_SECONDS,
    MAX_REPORT_GAP_SECONDS,
    MEDIA_COMPLETE_SHARE,
    MILESTONES,
    PROGRESS_FIELDS,
    READING_CAP_SECONDS,
    READING_SHARE,
    ProgressReport,
    lesson_complete,
    lesson_progress_report,
    lesson_progress_reports,
    lesson_view,
    reading_seconds_required,
)
from .quizzes import QuestionVerdict, QuizResult, quiz_attempts_left, quiz_start, quiz_submit

__all__ = [
    "ITEM_EXTENSION",
    "MAX_PLAYBACK_RATE",
    "MAX_POSITION_SECONDS",
    "MAX_REPORT_GAP_SECONDS",
    "MEDIA_COMPLETE_SHARE",
    "MILESTONES",
    "PROGRESS_EXTENSION",
    "PROGRESS_FIELDS",
    "READING_CAP_SECONDS",
    "READING_SHARE",
    "ProgressReport",
    "QuestionVerdict",
    "QuizResult",
    "course_enrol",
    "iso_duration",
    "lesson_complete",
    "lesson_progress_report",
    "lesson_progress_reports",
    "lesson_view",
    "quiz_attempts_left",
    "quiz_start",
    "quiz_submit",
    "reading_seconds_required",
]
