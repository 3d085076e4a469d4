"""The LangChain tutorial ingest pipeline, run as a child process by bench.ingest_compare.

    python -m bench.tutorial --out DIR PDF...

What a user writes from the LangChain RAG tutorial in an afternoon: PyPDFLoader (one
document per page), RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200), the
same packaged all-MiniLM-L6-v2 through HuggingFaceEmbeddings, FAISS.from_documents (saved to
DIR, as our ingest writes its index) and BM25Retriever.from_documents. Prints one JSON line:
pages, chunks and seconds per stage. Needs the `bench` extra (langchain-text-splitters) and
langchain-community (the `eval` extra).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tutorial")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("pdfs", nargs="+", type=Path)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # LangChain's deprecation notices are not the measurement
    stages: dict[str, float] = {}
    start = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        stages[name] = now - start
        start = now

    from langchain_community.document_loaders import PyPDFLoader
    from langchain_community.embeddings import HuggingFaceEmbeddings
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from core.embed import packaged_minilm_path

    lap("import")
    pages = [page for pdf in args.pdfs for page in PyPDFLoader(str(pdf)).load()]
    lap("parse")
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        pages
    )
    lap("chunk")
    embeddings = HuggingFaceEmbeddings(
        model_name=str(packaged_minilm_path()), model_kwargs={"device": "cpu"}
    )
    lap("load_model")
    store = FAISS.from_documents(splits, embeddings)
    lap("embed")
    BM25Retriever.from_documents(splits)
    lap("bm25")
    store.save_local(str(args.out))
    lap("write")
    print(json.dumps({"pages": len(pages), "chunks": len(splits), "stages": stages}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
