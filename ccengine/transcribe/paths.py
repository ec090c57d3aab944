"""Where a stored recording path may point: inside the recordings or voicemail folder.

The path of a job comes from the PBX (``MIXMONITOR_FILENAME``, a voicemail's
file), so it is untrusted: the worker rewrites the file in place when it
redacts audio. ``recording_path`` is the one rule for the worker and the API:
a relative path is taken from the first folder, symlinks and ``..`` are
resolved, and anything that does not land inside one of the folders is
refused with the stable reason ``outside-recordings``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ccengine.config import RoutesConfig
from ccengine.transcribe.audio import AudioError, Reason

OUTSIDE: Reason = "outside-recordings"
_NAME_CHARS = 120


class OutsideRecordings(AudioError):
    def __init__(self, stored: str) -> None:
        # Only the file's name, cut short and encodable: the rest of a hostile path is
        # not worth storing, and a lone surrogate could not be stored or logged at all.
        name = Path(stored.replace("\x00", "")).name[:_NAME_CHARS]
        super().__init__(OUTSIDE, Path(name.encode("utf-8", "replace").decode("utf-8")),
                         "not inside the recordings or voicemail folder; refused")


def recording_dirs(routes: RoutesConfig) -> tuple[Path, ...]:
    """The folders recordings may be in: calls first (relative paths start there)."""
    return Path(routes.recordings_dir), Path(routes.voicemail_dir)


def recording_path(stored: str, folders: Sequence[Path]) -> Path:
    """The real path of ``stored`` when it lies inside one of ``folders``.

    A path the file system cannot even look up (a name too long, a lone surrogate
    that no file name encoding takes) is refused like one outside: never retried.
    """
    if not stored or "\x00" in stored or not folders:
        raise OutsideRecordings(stored)
    try:
        return _inside(stored, folders)
    except (OSError, ValueError):  # UnicodeEncodeError is a ValueError
        raise OutsideRecordings(stored) from None


def _inside(stored: str, folders: Sequence[Path]) -> Path:
    candidate = Path(stored)
    if not candidate.is_absolute():
        candidate = folders[0] / candidate
    resolved = candidate.resolve()
    if not any(resolved.is_relative_to(folder.resolve()) for folder in folders):
        raise OutsideRecordings(stored)
    resolved.exists()  # raises OSError (name too long) where the path cannot be looked up
    return resolved
