"""The one application-error type: services raise it, the API renders it once as
{"message": ..., "extra": {...}} with its status (`ErrorOut`, the one schema of that shape)."""

from ninja import Schema


class ApplicationError(Exception):
    status = 400

    def __init__(self, message: str, *, extra: dict | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        if status is not None:
            self.status = status


class PermissionDenied(ApplicationError):
    status = 403


class NotFound(ApplicationError):
    status = 404


class ErrorOut(Schema):
    """How every error under /api/ looks: a sentence for people, details for programs."""

    message: str
    extra: dict


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation documents: ``response={200: CourseOut, **errors(401, 404, 422)}``."""
    return dict.fromkeys(statuses, ErrorOut)
