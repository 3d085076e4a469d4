"""OpenVINO as the embedder's CPU runtime: export once, check agreement, run.

Only the transformer runs in OpenVINO: the Hugging Face tokenizer (with its offsets, for the
sentence spans) and the mean pooling stay as they are, so `embed`, `embed_with_spans` and
`tokenizer` behave the same with either runtime. Measured on 2 cores (bench/README.md,
"Embedder runtimes"): OpenVINO fp32 3.3x and bf16 5.6x torch fp32's chunks/s on an AMD EPYC
with AVX512-BF16, cosine to torch fp32 >= 0.9999 on chunk and sentence vectors.

The export is cached, keyed by the weights' sha256 and the OpenVINO version:

    <cache root>/<weights sha256>/openvino-<version>/
        model.xml, model.bin   the transformer, token embeddings out (OpenVINO IR)
        export.json            format, versions, export seconds, sha256 of model.bin

The cache root is RAG_EMBED_CACHE_DIR, else `.rag-runtime/` next to the weights, else (a
read-only model folder, e.g. a system site-packages) ~/.cache/rag-reference/embed. An
export is written into a temporary folder and renamed into place: complete or absent. A
model.bin that no longer matches its recorded digest is exported again.

Every load checks the runtime against torch fp32 on the calibration passages (chunk and
sentence vectors) before it is used; a runtime that is missing, fails, disagrees or is not
faster leaves the embedder on torch, with the reason in the manifest.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from core.hashing import file_sha256

if TYPE_CHECKING:
    from core.embed import PrecisionReport

log = logging.getLogger(__name__)

# RAG_EMBED_PRECISION value -> OpenVINO inference precision.
OPENVINO_PRECISIONS = {"openvino-bf16": "bf16", "openvino-fp32": "f32"}
EXPORT_FORMAT = 1  # bump when the exported graph changes: old exports are then ignored
MIN_COSINE = 0.99  # every calibration chunk and sentence vector, to torch fp32
MIN_SPEEDUP = 1.1  # `auto` takes a runtime only when it is measurably faster than torch
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")

TokenFn = Callable[[dict[str, npt.NDArray[np.int64]]], npt.NDArray[np.float32]]


class RuntimeUnavailable(Exception):
    """The runtime cannot be used here (not installed, no export possible); the embedder
    stays on torch and records `str(exc)` as the reason. Retrying does not help."""


class OpenVINOTransformer:
    """The model's transformer compiled by OpenVINO: tokenizer features -> token embeddings."""

    def __init__(self, xml: Path, precision: str, threads: int) -> None:
        ov = _openvino()
        compiled = ov.Core().compile_model(
            str(xml),
            "CPU",
            {
                "INFERENCE_PRECISION_HINT": OPENVINO_PRECISIONS[precision],
                "INFERENCE_NUM_THREADS": threads,
                "PERFORMANCE_HINT": "LATENCY",
            },
        )
        self._compiled = compiled
        self._local = threading.local()  # one infer request per thread: requests are stateful
        self._output = compiled.outputs[0]
        self._names = [n for n in _INPUTS if any(n in p.get_names() for p in compiled.inputs)]
        # What the CPU plugin actually runs: it ignores a bf16 hint on CPUs without bf16.
        ran = compiled.get_property("INFERENCE_PRECISION_HINT")
        self.inference_precision = str(getattr(ran, "get_type_name", lambda: ran)())

    def __call__(self, feats: dict[str, npt.NDArray[np.int64]]) -> npt.NDArray[np.float32]:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        result = request.infer({n: feats[n] for n in self._names})
        out: npt.NDArray[np.float32] = np.asarray(result[self._output], dtype=np.float32)
        return out


def openvino_version() -> str | None:
    try:
        return str(_openvino().get_version()).split("-")[0]
    except RuntimeUnavailable:
        return None


def cpu_runs_bf16() -> bool:
    """True when OpenVINO's CPU plugin has native bf16 here (AVX512-BF16 or AMX)."""
    try:
        caps = _openvino().Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    except (RuntimeUnavailable, RuntimeError):
        return False
    return "BF16" in caps


def cache_root(model_dir: Path, configured: Path | None) -> Path:
    """Where exports go: the configured folder, next to the weights, or the user cache."""
    if configured is not None:
        return configured
    beside = model_dir / ".rag-runtime"
    if _writable(beside):
        return beside
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "rag-reference" / "embed"


def export_dir(root: Path, weights_sha256: str) -> Path:
    version = openvino_version()
    if version is None:
        raise RuntimeUnavailable("openvino is not installed (pip install '.[openvino]')")
    return root / weights_sha256 / f"openvino-{version}"


def ensure_export(st_model: Any, model_dir: Path, weights_sha256: str, root: Path) -> Path:
    """The cached IR of `st_model`'s transformer; exported (once) when absent or damaged."""
    if weights_sha256 == "unknown":
        raise RuntimeUnavailable("the weights' sha256 is unknown: no cache key for an export")
    target = export_dir(root, weights_sha256)
    if _valid_export(target):
        return target / "model.xml"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        start = time.perf_counter()
        _export(st_model, tmp / "model.xml")
        meta = {
            "format": EXPORT_FORMAT,
            "openvino": openvino_version(),
            "weights_sha256": weights_sha256,
            "model_dir": str(model_dir),
            "export_seconds": round(time.perf_counter() - start, 2),
            "model_bin_sha256": file_sha256(tmp / "model.bin"),
        }
        (tmp / "export.json").write_text(json.dumps(meta, indent=2) + "\n")
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide a shared cache from other users
        shutil.rmtree(target, ignore_errors=True)  # a damaged earlier export
        os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeUnavailable(f"cannot write the export to {target.parent}: {exc}") from exc
    except Exception:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("exported the embedder to OpenVINO in %.1fs: %s", meta["export_seconds"], target)
    return target / "model.xml"


def check_pipeline(st_model: Any) -> None:
    """Raise unless the model is transformer -> mean pooling (-> normalise), which is what
    the runtime path reproduces outside sentence-transformers."""
    kinds = [type(m).__name__ for m in st_model]
    mode = getattr(st_model[1], "pooling_mode", None) if len(kinds) > 1 else None
    if kinds[:2] != ["Transformer", "Pooling"] or mode != "mean" or len(kinds) > 3:
        raise RuntimeUnavailable(f"modules {kinds} (pooling {mode}) are not transformer + mean")
    if len(kinds) == 3 and kinds[2] != "Normalize":
        raise RuntimeUnavailable(f"module {kinds[2]} after pooling is not supported")


def _export(st_model: Any, xml: Path) -> None:
    import torch

    ov = _openvino()
    bert = st_model[0].auto_model.eval()
    feats = st_model.tokenizer(
        ["an example passage", "a second, longer example passage for tracing"],
        padding=True,
        return_tensors="pt",
    )
    names = [k for k in _INPUTS if k in feats]

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, *args: Any) -> Any:
            return self.model(**dict(zip(names, args, strict=True))).last_hidden_state

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings: shapes are dynamic below
        model = ov.convert_model(
            TokenEmbeddings(bert),
            example_input=tuple(feats[k] for k in names),
            input=[([-1, -1], ov.Type.i64)] * len(names),
        )
        for port, name in zip(model.inputs, names, strict=True):
            port.get_tensor().set_names({name})
    ov.save_model(model, str(xml), compress_to_fp16=False)


def _valid_export(target: Path) -> bool:
    try:
        meta = json.loads((target / "export.json").read_text())
        ok = meta.get("format") == EXPORT_FORMAT and (target / "model.xml").is_file()
        return bool(ok and file_sha256(target / "model.bin") == meta.get("model_bin_sha256"))
    except (OSError, ValueError):
        return False


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-")
        probe.close()
        return True
    except OSError:
        return False


def _openvino() -> Any:
    try:
        import openvino
    except ImportError as exc:
        raise RuntimeUnavailable("openvino is not installed (pip install '.[openvino]')") from exc
    return openvino


def calibration_passages(sentences: list[str]) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """Chunk-sized passages from the calibration sentences (each a rotation of all of them),
    with every sentence's span, so both chunk and sentence vectors are checked."""
    uniq = list(dict.fromkeys(sentences))
    texts, spans = [], []
    for k in range(len(uniq)):
        text, sp = "", []
        for s in uniq[k:] + uniq[:k]:
            text += " " if text else ""
            sp.append((len(text), len(text) + len(s)))
            text += s
        texts.append(text)
        spans.append(sp)
    return texts, spans


def choose_runtime(
    embedder: Any, wanted: str, model_dir: Path | None, cache_dir: Path | None
) -> tuple[PrecisionReport | None, str]:
    """Attach the first OpenVINO precision that agrees with torch fp32 (and, for `auto`, is
    faster); (its report, "") or (None, why none was taken)."""
    try:
        check_pipeline(embedder.model)
        if model_dir is None:
            raise RuntimeUnavailable("the model has no local folder to export from")
        if wanted == "auto":
            candidates = (["openvino-bf16"] if cpu_runs_bf16() else []) + ["openvino-fp32"]
        else:
            candidates = [wanted]
        xml = ensure_export(
            embedder.model, model_dir, embedder.fingerprint, cache_root(model_dir, cache_dir)
        )
    except RuntimeUnavailable as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - a failed conversion means torch, not a crash
        return None, f"openvino export failed ({type(exc).__name__}: {exc})"
    reasons = []
    for precision in candidates:
        report, why = _try(embedder, precision, xml, measure_speed=wanted == "auto")
        if report is not None:
            return report, ""
        reasons.append(why)
    return None, "; ".join(reasons)


def _try(
    embedder: Any, precision: str, xml: Path, *, measure_speed: bool
) -> tuple[PrecisionReport | None, str]:
    import torch

    from core.embed import _CALIBRATION, PrecisionReport

    try:
        runtime = OpenVINOTransformer(xml, precision, torch.get_num_threads())
    except Exception as exc:  # noqa: BLE001 - a failed compile means torch, not a crash
        return None, f"{precision} failed to compile ({type(exc).__name__}: {exc})"
    texts, spans = calibration_passages(_CALIBRATION)
    embedder.runtime = None
    start = time.perf_counter()
    ref, ref_sents = embedder.embed_with_spans(texts, spans)
    torch_s = time.perf_counter() - start
    embedder.runtime = runtime
    got, got_sents = embedder.embed_with_spans(texts, spans)  # also the runtime's warm-up
    pairs = [(ref, got), *zip(ref_sents, got_sents, strict=True)]
    cos = np.concatenate([np.sum(a * b, axis=1) for a, b in pairs])
    min_cos = float(np.nan_to_num(cos, nan=-1.0).min())
    if min_cos < MIN_COSINE:
        embedder.runtime = None
        return None, f"{precision} disagrees with torch fp32 (min cosine {min_cos:.4f})"
    speedup = None
    if measure_speed:
        speedup = _speedup(embedder, runtime, texts, spans, torch_s)
        if speedup < MIN_SPEEDUP:
            embedder.runtime = None
            return None, f"{precision} not faster than torch fp32 (x{speedup:.2f})"
    ran = runtime.inference_precision
    reason = f"openvino {openvino_version()} ({ran}), agrees with torch fp32"
    if speedup is not None:
        reason += f" and is x{speedup:.2f} faster on this CPU"
    return PrecisionReport(precision, reason, min_cos, speedup, {"inference": ran}), ""


def _speedup(
    embedder: Any,
    runtime: TokenFn,
    texts: list[str],
    spans: list[list[tuple[int, int]]],
    torch_s: float,
) -> float:
    """torch seconds / runtime seconds, best of two runs each (torch's first is the
    reference pass of the agreement check), alternating."""
    best = {"torch": torch_s, "runtime": float("inf")}
    for name, rt in (("runtime", runtime), ("torch", None), ("runtime", runtime)):
        embedder.runtime = rt
        start = time.perf_counter()
        embedder.embed_with_spans(texts, spans)
        best[name] = min(best[name], time.perf_counter() - start)
    embedder.runtime = runtime
    return best["torch"] / best["runtime"]
