"""The one application-error type: services raise it, the API renders it once as
{"message": ..., "extra": {...}} with its status."""


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
