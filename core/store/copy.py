"""Copy a files-store generation into another store exactly (chunks, vectors, sentence vectors,
pages, manifest), without parsing or embedding anything: how an existing index moves to
PostgreSQL (`python -m core.store.copy INDEX_DIR`, with RAG_STORE=postgres and
RAG_DATABASE_URL set), and how the parity tests and the benchmark fill a database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.config import load_settings
from core.errors import CoreError
from core.index import IndexData, load_index
from core.store import open_store
from core.store.protocol import DocumentRows, Store


def document_rows(index: IndexData) -> list[DocumentRows]:
    """Every document of `index` with its rows, in manifest order."""
    out = []
    for doc in index.manifest.documents:
        rows = index.doc_rows.get(doc.doc_id)
        picked = [] if rows is None else rows.tolist()
        out.append(
            DocumentRows(
                record=doc,
                chunks=index.chunks_at(picked),
                vectors=index.vectors(picked),
                sentence_vectors=[index.sentence_vecs(r) for r in picked],
                pages=[index.pages[(doc.doc_id, n)] for n in range(1, doc.pages + 1)],
            )
        )
    return out


def copy_generation(index: IndexData, store: Store) -> str:
    """Publish `index`'s live generation into `store` as it is; returns the new name."""
    return store.publish(index.manifest.model_copy(update={"files": {}}), document_rows(index))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.store.copy",
        description="Copy a files index into the store RAG_STORE names (e.g. PostgreSQL).",
    )
    parser.add_argument("index", type=Path, help="the files index folder (e.g. index/)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        if settings.store == "files":
            raise CoreError("set RAG_STORE=postgres and RAG_DATABASE_URL: where to copy to")
        store = open_store(settings)
        name = copy_generation(load_index(args.index), store)
    except CoreError as exc:
        print(f"copy failed: {exc}", file=sys.stderr)
        return 2
    print(f"copied {args.index} into {store.describe()} as {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
