"""Compare CPU runtimes for the MiniLM embedder against torch fp32, side by side.

    python scripts/embed_runtimes.py [--index DIR] [--chunks 384] [--rounds 3] [--only a,b]

Reads the chunk texts and sentence spans of an index (default: the real-manual index that
`python -m ingest data/real --index /tmp/bench-real` writes), exports MiniLM once into a
scratch folder, and then, for every runtime, embeds the same length-sorted batches of 32 in
round-robin order (torch, A, B, ..., then again with the order rotated), so every runtime
sees the same machine load. Reports per runtime: chunks/s and the median over rounds of the
per-round ratio to torch fp32, cosine to torch fp32 (mean, min) of the chunk vectors and of
the sentence vectors pooled from the token embeddings (as ingest does), export time, and
the share of the CPU other processes used meanwhile. Writes results.json next to the
exports. An exploration tool for bench/README.md, not part of the service.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CpuMonitor  # noqa: E402
from core.embed import packaged_minilm_path  # noqa: E402
from core.index import load_index  # noqa: E402

HEADS, HIDDEN = 12, 384
Batch = dict[str, Any]
Forward = Callable[[Batch], np.ndarray]


def load_chunks(index: Path, n: int) -> tuple[list[str], list[list[tuple[int, int]]]]:
    data = load_index(index)
    chunks = data.chunks
    idx = np.linspace(0, len(chunks) - 1, num=min(n, len(chunks))).round().astype(int)
    picked = [chunks[int(i)] for i in dict.fromkeys(idx)]
    return [c.text for c in picked], [list(c.sentences) for c in picked]


def make_batches(tok: Any, texts: list[str], size: int = 32, pad: str | bool = True) -> list[Batch]:
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = []
    for start in range(0, len(order), size):
        rows = order[start : start + size]
        enc = tok(
            [texts[i] for i in rows],
            padding=pad,
            truncation=True,
            max_length=256,
            return_offsets_mapping=True,
            return_tensors="np",
        )
        out.append(
            {
                "rows": rows,
                "input_ids": enc["input_ids"].astype(np.int64),
                "attention_mask": enc["attention_mask"].astype(np.int64),
                "token_type_ids": enc["token_type_ids"].astype(np.int64),
                "offsets": enc["offset_mapping"],
            }
        )
    return out


def pool(tokens: np.ndarray, b: Batch, spans: list[list[tuple[int, int]]]) -> tuple[Any, Any]:
    """Chunk vectors (masked mean) and sentence vectors (mean of tokens inside each span)."""
    mask = b["attention_mask"].astype(np.float32)
    chunk = (tokens * mask[..., None]).sum(1) / mask.sum(1, keepdims=True).clip(min=1)
    chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
    sents = []
    for j, row in enumerate(b["rows"]):
        off = b["offsets"][j]
        real = (b["attention_mask"][j] > 0) & (off[:, 1] > off[:, 0])
        for s, e in spans[row]:
            inside = (off[:, 0] >= s) & (off[:, 1] <= e) & real
            v = tokens[j][inside].mean(0) if inside.any() else chunk[j]
            sents.append(v / np.linalg.norm(v))
    return chunk, np.stack(sents) if sents else np.zeros((0, HIDDEN), np.float32)


# --- runtimes ------------------------------------------------------------------------


def _bert_forward(bert: Any) -> Forward:
    import torch

    def fwd(b: Batch) -> np.ndarray:
        with torch.inference_mode():
            out = bert(
                input_ids=torch.from_numpy(b["input_ids"]),
                attention_mask=torch.from_numpy(b["attention_mask"]),
                token_type_ids=torch.from_numpy(b["token_type_ids"]),
            ).last_hidden_state
        return out.float().numpy()

    return fwd


def torch_bf16_forward(model_dir: Path) -> Forward:
    import torch
    from sentence_transformers import SentenceTransformer

    bert = SentenceTransformer(str(model_dir), device="cpu")[0].auto_model.eval()
    bert.to(dtype=torch.bfloat16)
    return _bert_forward(bert)


def torch_forward(model_dir: Path) -> tuple[Forward, Any]:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(os.cpu_count() or 1)
    st = SentenceTransformer(str(model_dir), device="cpu")
    return _bert_forward(st[0].auto_model.eval()), st


def export_onnx(st: Any, path: Path) -> float:
    import torch
    from transformers import AutoModel

    start = time.perf_counter()
    bert = AutoModel.from_pretrained(
        str(packaged_minilm_path()), attn_implementation="eager"
    ).eval()

    class Wrap(torch.nn.Module):
        def __init__(self, m: Any) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.m(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    f = st.tokenizer(["an example", "a longer example sentence"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(
        Wrap(bert),
        tuple(f[k] for k in names),
        str(path),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={k: {0: "batch", 1: "seq"} for k in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )
    return time.perf_counter() - start


def ort_forward(path: Path) -> Forward:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = os.cpu_count() or 1
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}

    def fwd(b: Batch) -> np.ndarray:
        feeds = {k: b[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in names}
        return sess.run(None, feeds)[0]  # type: ignore[no-any-return]

    return fwd


def ort_optimize(src: Path, dst: Path) -> tuple[float, dict[str, int]]:
    from onnxruntime.transformers.optimizer import optimize_model

    start = time.perf_counter()
    m = optimize_model(str(src), model_type="bert", num_heads=HEADS, hidden_size=HIDDEN)
    m.save_model_to_file(str(dst))
    return time.perf_counter() - start, m.get_fused_operator_statistics()


def ort_dynamic_int8(src: Path, dst: Path, ops: list[str]) -> float:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    start = time.perf_counter()
    quantize_dynamic(
        str(src),
        str(dst),
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=ops,
        # Fused contrib ops (Attention, SkipLayerNormalization) defeat ONNX shape inference.
        extra_options={"DefaultTensorType": 1},  # onnx.TensorProto.FLOAT
    )
    return time.perf_counter() - start


def ort_static_int8(src: Path, dst: Path, calib: list[Batch]) -> float:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self.it = iter(calib)

        def get_next(self) -> dict[str, np.ndarray] | None:
            b = next(self.it, None)
            if b is None:
                return None
            return {k: b[k] for k in ("input_ids", "attention_mask", "token_type_ids")}

    start = time.perf_counter()
    quantize_static(
        str(src),
        str(dst),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        calibrate_method=CalibrationMethod.Percentile,
        extra_options={"CalibPercentile": 99.99},
    )
    return time.perf_counter() - start


def ov_forward(model: Any, precision: str) -> Forward:
    import openvino as ov

    core = ov.Core()
    compiled = core.compile_model(
        model,
        "CPU",
        {
            "INFERENCE_PRECISION_HINT": precision,
            "INFERENCE_NUM_THREADS": os.cpu_count() or 1,
            "PERFORMANCE_HINT": "LATENCY",
        },
    )
    req = compiled.create_infer_request()
    names = {p.get_any_name() for p in compiled.inputs}

    def fwd(b: Batch) -> np.ndarray:
        feeds = {k: b[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in names}
        res = req.infer(feeds)
        return np.asarray(res[compiled.outputs[0]])

    return fwd


def nncf_int8(src: Path, dst: Path, calib: list[Batch], variant: str = "") -> float:
    import nncf
    import openvino as ov

    start = time.perf_counter()
    model = ov.Core().read_model(str(src))
    feeds = [{k: b[k] for k in ("input_ids", "attention_mask", "token_type_ids")} for b in calib]
    kwargs: dict[str, Any] = {}
    if "mixed" in variant:  # asymmetric activations
        kwargs["preset"] = nncf.QuantizationPreset.MIXED
    if "ffn" in variant:  # keep the FFN down-projections (BERT's outlier activations) in fp32
        kwargs["ignored_scope"] = nncf.IgnoredScope(
            patterns=[r".*layer\.\d+/output/dense/MatMul.*"], validate=False
        )
    q = nncf.quantize(
        model,
        nncf.Dataset(feeds),
        model_type=nncf.ModelType.TRANSFORMER,
        subset_size=len(feeds),
        **kwargs,
    )
    ov.save_model(q, str(dst))
    return time.perf_counter() - start


# --- driver --------------------------------------------------------------------------


def embed_all(
    fwd: Forward, batches: list[Batch], spans: list[list[tuple[int, int]]], n: int
) -> tuple[np.ndarray, np.ndarray, float]:
    chunks = np.zeros((n, HIDDEN), np.float32)
    sents: dict[int, np.ndarray] = {}
    start = time.perf_counter()
    for b in batches:
        c, s = pool(fwd(b), b, spans)
        chunks[b["rows"]] = c
        k = 0
        for row in b["rows"]:
            m = len(spans[row])
            sents[row] = s[k : k + m]
            k += m
    took = time.perf_counter() - start
    ordered = [sents[i] for i in range(n) if len(sents[i])]
    return chunks, np.concatenate(ordered), took


def du(packages: list[str]) -> float:
    import importlib.util

    total = 0
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        root = Path(spec.origin).parent
        total += sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    return total / 1e6


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=Path("/tmp/bench-real"))
    ap.add_argument("--chunks", type=int, default=384)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/embed-runtimes"))
    ap.add_argument("--only", default="")
    ap.add_argument(
        "--interleave", action="store_true", help="alternate batch by batch, not pass by pass"
    )
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    model_dir = packaged_minilm_path()
    assert model_dir is not None
    texts, spans = load_chunks(args.index, args.chunks)
    torch_fwd, st = torch_forward(model_dir)
    batches = make_batches(st.tokenizer, texts)
    # Calibration: other chunks of the same index (the odd positions between the picked ones).
    ctexts, _ = load_chunks(args.index, args.chunks * 2)
    calib = make_batches(st.tokenizer, [t for t in ctexts if t not in set(texts)][:128], 16)
    n = len(texts)
    tokens = int(sum(b["attention_mask"].sum() for b in batches))
    print(f"{n} chunks, {sum(len(s) for s in spans)} sentences, {tokens / n:.0f} tokens/chunk")

    w = args.work
    info: dict[str, dict[str, Any]] = {}
    runtimes: dict[str, Forward] = {"torch-fp32": torch_fwd}
    only = set(filter(None, args.only.split(",")))

    def want(name: str) -> bool:
        return not only or name in only

    onnx = w / "minilm.onnx"
    if not onnx.exists():
        info["onnx-export"] = {"export_s": export_onnx(st, onnx)}
    opt = w / "minilm-opt.onnx"
    if not opt.exists():
        s, fused = ort_optimize(onnx, opt)
        info["ort-fp32-opt"] = {"export_s": s, "fused": fused}
        print(f"ORT transformer fusions: {fused}")
    if want("torch-bf16"):
        runtimes["torch-bf16"] = torch_bf16_forward(model_dir)
    if want("ov-ir-bf16") or want("ov-ir-fp32"):
        # The export core.embed_runtime caches (convert_model from torch, not from ONNX).
        from core.embed_runtime import ensure_export

        start = time.perf_counter()
        xml = ensure_export(st, model_dir, "bench-" + "0" * 16, w / "ir")
        info["ov-ir-fp32"] = info["ov-ir-bf16"] = {"export_s": time.perf_counter() - start}
        if want("ov-ir-fp32"):
            runtimes["ov-ir-fp32"] = ov_forward(str(xml), "f32")
        if want("ov-ir-bf16"):
            runtimes["ov-ir-bf16"] = ov_forward(str(xml), "bf16")
    if want("ort-fp32"):
        runtimes["ort-fp32"] = ort_forward(onnx)
    if want("ort-fp32-opt"):
        runtimes["ort-fp32-opt"] = ort_forward(opt)
    if want("ort-int8-dyn"):
        dst = w / "minilm-opt-int8-dyn.onnx"
        if not dst.exists():
            info["ort-int8-dyn"] = {"export_s": ort_dynamic_int8(opt, dst, ["MatMul", "Attention"])}
        runtimes["ort-int8-dyn"] = ort_forward(dst)
    if want("ort-int8-dyn-matmul"):
        dst = w / "minilm-opt-int8-dyn-matmul.onnx"
        if not dst.exists():
            info["ort-int8-dyn-matmul"] = {"export_s": ort_dynamic_int8(opt, dst, ["MatMul"])}
        runtimes["ort-int8-dyn-matmul"] = ort_forward(dst)
    if want("ort-int8-static"):
        dst = w / "minilm-int8-static.onnx"
        if not dst.exists():
            # The histogram calibrator needs one shape across batches: pad to 256.
            others = [t for t in ctexts if t not in set(texts)]
            others = others[: len(others) // 8 * 8][:128]
            fixed = make_batches(st.tokenizer, others, 8, "max_length")
            info["ort-int8-static"] = {"export_s": ort_static_int8(onnx, dst, fixed)}
        runtimes["ort-int8-static"] = ort_forward(dst)
    if want("ov-fp32"):
        runtimes["ov-fp32"] = ov_forward(str(onnx), "f32")
    if want("ov-bf16"):
        runtimes["ov-bf16"] = ov_forward(str(onnx), "bf16")
    if want("ov-int8") or want("ov-int8-bf16"):
        dst = w / "minilm-nncf-int8.xml"
        if not dst.exists():
            info["ov-int8"] = {"export_s": nncf_int8(onnx, dst, calib)}
        if want("ov-int8"):
            runtimes["ov-int8"] = ov_forward(str(dst), "f32")
        if want("ov-int8-bf16"):
            runtimes["ov-int8-bf16"] = ov_forward(str(dst), "bf16")

    for variant in ("mixed", "ffn", "mixed-ffn"):
        name = f"ov-int8-{variant}"
        if want(name):
            dst = w / f"minilm-nncf-int8-{variant}.xml"
            if not dst.exists():
                info[name] = {"export_s": nncf_int8(onnx, dst, calib, variant)}
            runtimes[name] = ov_forward(str(dst), "f32")

    names = list(runtimes)
    for name in names:  # warm-up: first calls compile kernels / plan memory
        runtimes[name](batches[-1])
        runtimes[name](batches[0])
    times: dict[str, list[float]] = {k: [] for k in names}
    vecs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    other: list[float | None] = []
    if args.interleave:
        # Batch by batch, every runtime in turn (order rotated per batch): load that changes
        # over seconds hits all runtimes alike. One round = every batch once per runtime.
        for r in range(args.rounds):
            mon = CpuMonitor()
            took = dict.fromkeys(names, 0.0)
            out: dict[str, tuple[Any, dict[int, Any]]] = {
                k: (np.zeros((n, HIDDEN), np.float32), {}) for k in names
            }
            for i, b in enumerate(batches):
                k0 = (i + r) % len(names)
                for name in names[k0:] + names[:k0]:
                    start = time.perf_counter()
                    c, sv = pool(runtimes[name](b), b, spans)
                    took[name] += time.perf_counter() - start
                    out[name][0][b["rows"]] = c
                    j = 0
                    for row in b["rows"]:
                        out[name][1][row] = sv[j : j + len(spans[row])]
                        j += len(spans[row])
            for name in names:
                times[name].append(took[name])
                sents = [out[name][1][i] for i in range(n) if len(out[name][1][i])]
                vecs.setdefault(name, (out[name][0], np.concatenate(sents)))
                print(f"  round {r} {name:20s} {n / took[name]:6.1f} chunks/s", flush=True)
            other.append(mon.other_share())
    for r in range(0 if args.interleave else args.rounds):
        mon = CpuMonitor()
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            c, s, took_s = embed_all(runtimes[name], batches, spans, n)
            times[name].append(took_s)
            vecs.setdefault(name, (c, s))
            print(f"  round {r} {name:20s} {n / took_s:6.1f} chunks/s", flush=True)
        other.append(mon.other_share())
    ref_c, ref_s = vecs["torch-fp32"]
    rows = {}
    for name in names:
        c, s = vecs[name]
        cc = np.sum(c * ref_c, axis=1)
        sc = np.sum(s * ref_s, axis=1)
        ratios = [t / x for t, x in zip(times["torch-fp32"], times[name], strict=True)]
        rows[name] = {
            "chunks_per_s": n / float(np.median(times[name])),
            "ratio_median": float(np.median(ratios)),
            "ratios": ratios,
            "chunk_cos_mean": float(cc.mean()),
            "chunk_cos_min": float(cc.min()),
            "sent_cos_mean": float(sc.mean()),
            "sent_cos_min": float(sc.min()),
            **info.get(name, {}),
        }
    sizes = {
        "onnxruntime": du(["onnxruntime"]),
        "onnx": du(["onnx"]),
        "openvino": du(["openvino"]),
        "nncf": du(["nncf"]),
    }
    result = {
        "chunks": n,
        "sentences": int(ref_s.shape[0]),
        "tokens_per_chunk": tokens / n,
        "rounds": args.rounds,
        "interleave": args.interleave,
        "other_cpu_per_round": other,
        "install_mb": sizes,
        "export": info,
        "runtimes": rows,
    }
    (w / "results.json").write_text(json.dumps(result, indent=2))
    print(f"other processes' CPU share per round: {other}")
    print(f"install size MB: {sizes}")
    print(f"{'runtime':22s} {'ch/s':>6s} {'ratio':>6s} {'chunk cos':>20s} {'sentence cos':>20s}")
    for name, row in rows.items():
        print(
            f"{name:22s} {row['chunks_per_s']:6.1f} {row['ratio_median']:6.2f} "
            f"{row['chunk_cos_mean']:9.4f}/{row['chunk_cos_min']:.4f} "
            f"{row['sent_cos_mean']:9.4f}/{row['sent_cos_min']:.4f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
