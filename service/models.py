"""Where the cross-encoder comes from, decided once and quickly.

In order: `RAG_RERANKER` as a local folder; a copy fetched by `make models` into
`RAG_MODELS_DIR/<name>`; the Hugging Face cache; else, when the hub answers within
`RAG_HUB_TIMEOUT_S`, a download into that cache, its weights checked against the sha256 the
hub publishes. Offline (HF_HUB_OFFLINE set, or no answer in time) the reranker is off and the
reason says what to do: never 45 seconds of retries at start-up.

`python -m service.models` (`make models`) fetches the configured reranker into the models
folder, verified the same way, so an offline machine or a Docker image can carry it.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from core.config import Settings, load_settings
from core.errors import ConfigError
from core.hashing import file_sha256

_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_HOW = "run `make models` once online"


@dataclass(frozen=True)
class Resolved:
    """A local folder to load, and where it came from; or None and why not."""

    path: Path | None
    source: str  # "local folder", "make models", "hub cache", "downloaded", or the reason


def prefetched_path(name: str, models_dir: Path) -> Path:
    return models_dir / name.replace("/", "--")


def resolve(name: str, settings: Settings) -> Resolved:
    """The folder to load the model `name` from, without waiting more than the timeout."""
    local = Path(name).expanduser()
    if local.is_dir():
        return Resolved(local, "local folder")
    if name.startswith(("/", "./", "../", "~")):
        return Resolved(None, f"no CrossEncoder folder at {name}")
    fetched = prefetched_path(name, settings.models_dir)
    if (fetched / "config.json").is_file():
        return Resolved(fetched, f"make models ({fetched})")
    cached = _cached(name)
    if cached is not None:
        return Resolved(cached, "hub cache")
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return Resolved(None, f"HF_HUB_OFFLINE is set and it is not cached; {_HOW}")
    reachable = hub_reachable(name, settings.hub_timeout_s)
    if reachable is not True:
        return Resolved(None, f"the model hub did not answer ({reachable}); {_HOW}")
    try:
        return Resolved(download(name), "downloaded and verified")
    except (OSError, ValueError, RuntimeError) as exc:
        return Resolved(None, f"download failed ({type(exc).__name__}: {exc})")


def hub_reachable(name: str, timeout_s: float) -> bool | str:
    """True when the hub answers for this model within the timeout, else why not."""
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    try:
        r = httpx.head(f"{endpoint}/api/models/{name}", timeout=timeout_s, follow_redirects=True)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__} within {timeout_s:g} s"
    return True if r.status_code < 400 else f"HTTP {r.status_code}"


def download(name: str, local_dir: Path | None = None) -> Path:
    """Fetch a hub model (into the cache, or `local_dir`) and check its weights' sha256."""
    from huggingface_hub import HfApi, snapshot_download

    folder = Path(snapshot_download(name, local_dir=str(local_dir) if local_dir else None))
    published = {
        f.rfilename: f.lfs.sha256
        for f in HfApi().model_info(name, files_metadata=True).siblings or []
        if f.lfs is not None
    }
    verify(folder, published)
    return folder


def verify(folder: Path, published: dict[str, str]) -> None:
    """Every weight file is there and matches the sha256 the hub publishes for it."""
    weights = [folder / w for w in _WEIGHTS if (folder / w).is_file()]
    if not weights:
        raise ValueError(f"{folder} has no weight file ({', '.join(_WEIGHTS)})")
    for path in weights:
        want = published.get(path.name)
        if want is None:
            raise ValueError(f"the hub publishes no sha256 for {path.name}: not verified")
        if file_sha256(path) != want:
            raise ValueError(f"{path} does not match the sha256 the hub publishes for it")


def _cached(name: str) -> Path | None:
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached, or not a hub name
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m service.models",
        description="Fetch the configured reranker (RAG_RERANKER) into RAG_MODELS_DIR, "
        "checking its weights against the sha256 the hub publishes.",
    )
    parser.add_argument("--name", help="model to fetch (default: RAG_RERANKER)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    name = args.name or settings.reranker
    if name.strip().lower() == "none" or Path(name).expanduser().is_dir():
        print(f"nothing to fetch: RAG_RERANKER={name}")
        return 0
    dest = prefetched_path(name, settings.models_dir)
    print(f"fetching {name} into {dest} ...", flush=True)
    try:
        download(name, dest)
    except Exception as exc:  # noqa: BLE001 - one line, whatever the hub library raised
        print(f"cannot fetch {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"{name}: weights verified; the service loads it from {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
