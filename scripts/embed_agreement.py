"""Is an index built with one embedder runtime searchable with queries from another?

    python scripts/embed_agreement.py --pdfs data/real --golden eval/golden/real.jsonl \
        [--work /tmp/embed-agreement] [--precisions fp32,openvino-bf16]

Ingests the PDFs once per precision (the first is the reference), then compares, over every
chunk and sentence vector, the stored vectors with the reference index's (cosine mean/min),
and, for every golden question, the dense (FAISS) and hybrid (reranker off) top-5 of each
(index precision, query precision) pair with the all-reference pair's: top-1 agreement and
mean overlap@5. The service embeds questions in torch fp32 whatever built the index, so
the (index X, query fp32) rows are the ones users get.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from core.config import DEFAULT_EMBEDDER, Settings  # noqa: E402
from core.embed import load_embedder  # noqa: E402
from core.index import load_index  # noqa: E402
from ingest.pipeline import run_ingest  # noqa: E402
from service.retriever import HybridRetriever, SearchParams  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdfs", type=Path, required=True)
    ap.add_argument("--golden", type=Path, required=True)
    ap.add_argument("--work", type=Path, default=Path("/tmp/embed-agreement"))
    ap.add_argument("--precisions", default="fp32,openvino-bf16")
    args = ap.parse_args()
    precisions = args.precisions.split(",")
    cache = args.work / "runtime-cache"
    questions = [json.loads(x)["question"] for x in args.golden.read_text().splitlines() if x]
    embedders, indexes, settings = {}, {}, {}
    for p in precisions:
        embedders[p] = load_embedder(DEFAULT_EMBEDDER, p, 32, cache)
        assert embedders[p].precision == p, getattr(embedders[p], "report", None)
        s = Settings(
            _env_file=None,  # type: ignore[call-arg]
            index_dir=args.work / f"{args.pdfs.name}-{p}",
            embed_precision=p,
            reranker="none",
        )
        run_ingest(s, [args.pdfs], embedder=embedders[p])
        indexes[p], settings[p] = load_index(s.index_dir), s
    ref = precisions[0]
    base = indexes[ref]
    print(f"{len(base.chunks)} chunks, {len(base.sentence_vectors)} sentences, "
          f"{len(questions)} questions")  # fmt: skip
    for p in precisions[1:]:
        idx = indexes[p]
        assert [c.id for c in idx.chunks] == [c.id for c in base.chunks], "chunking differs"
        cc = np.sum(idx.vectors() * base.vectors(), axis=1)
        a = idx.sentence_vectors.astype(np.float32)
        b = base.sentence_vectors.astype(np.float32)
        sc = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        print(f"stored vectors {p} vs {ref}: chunk cos mean {cc.mean():.5f} min {cc.min():.5f}; "
              f"sentence cos mean {sc.mean():.5f} min {sc.min():.5f}")  # fmt: skip

    def tops(index_p: str, query_p: str) -> tuple[list[list[str]], list[list[str]]]:
        r = HybridRetriever(indexes[index_p], embedders[query_p], settings[index_p])
        dense, hybrid = [], []
        for q in questions:
            qv = embedders[query_p].embed([q])
            _, rows = indexes[index_p].dense.search(qv, 5)
            dense.append([indexes[index_p].chunks[int(i)].id for i in rows[0]])
            res = r.search(q, SearchParams.from_settings(settings[index_p], top_k=5))
            hybrid.append([h.chunk.id for h in res.hits])
        return dense, hybrid

    ref_dense, ref_hybrid = tops(ref, ref)
    print(f"{'index':>15s} {'query':>15s}  dense top1  dense ov@5  hybrid top1  hybrid ov@5")
    for ip in precisions:
        for qp in precisions:
            if (ip, qp) == (ref, ref):
                continue
            d, h = tops(ip, qp)
            row = []
            for got, want in ((d, ref_dense), (h, ref_hybrid)):
                top1 = np.mean([g[0] == w[0] for g, w in zip(got, want, strict=True)])
                ov = np.mean([len(set(g) & set(w)) / 5 for g, w in zip(got, want, strict=True)])
                row += [top1, ov]
            print(f"{ip:>15s} {qp:>15s}  {row[0]:10.3f}  {row[1]:10.3f}  {row[2]:11.3f}  "
                  f"{row[3]:11.3f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
