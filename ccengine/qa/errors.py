"""The QA endpoints' own errors, each with its status and stable id."""

from __future__ import annotations

from ccengine.web.errors import ApiError


class QaCallNotFound(ApiError):
    status, error_id = 404, "call-not-found"

    def __init__(self, call_id: int) -> None:
        super().__init__(f"call {call_id} not found")


class RecordingNotFound(ApiError):
    status, error_id = 404, "recording-not-found"

    def __init__(self, call_id: int) -> None:
        super().__init__(f"call {call_id} has no recording that can be played")


class RecordingNotRedacted(ApiError):
    """Masked words are silenced when the call is transcribed: before that, never played."""

    status, error_id = 409, "recording-not-redacted"

    def __init__(self, call_id: int) -> None:
        super().__init__(f"the recording of call {call_id} is not transcribed and "
                         "redacted yet")


class NotYourCall(ApiError):
    status, error_id = 403, "forbidden"

    def __init__(self, call_id: int) -> None:
        super().__init__(f"call {call_id} is not on one of your tickets")
