"""This run's new documents as the store takes them: each document's chunks with their
vectors, sentence vectors and pages (`core.store.DocumentRows`). The store copies every
other document of the next generation from the live one (`Store.publish`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.chunk import Chunk
from core.embed import Vectors
from core.manifest import DocumentRecord, PageRecord
from core.store.protocol import DocumentRows


@dataclass
class NewDocument:
    """A document parsed and chunked in this run."""

    record: DocumentRecord
    chunks: list[Chunk]
    pages: list[PageRecord]


@dataclass
class Embedded:
    """Vectors computed in this run, by chunk id: the chunk's and its sentences'."""

    chunks: dict[str, Vectors] = field(default_factory=dict)
    sentences: dict[str, Vectors] = field(default_factory=dict)


def fresh_rows(new: list[NewDocument], embedded: Embedded, dim: int) -> list[DocumentRows]:
    """Every new document with its vectors, in the order given."""
    rows = []
    for doc in new:
        vectors = (
            np.stack([embedded.chunks[c.id] for c in doc.chunks]).astype(np.float32)
            if doc.chunks
            else np.zeros((0, dim), np.float32)
        )
        sentences = [embedded.sentences[c.id] for c in doc.chunks]
        rows.append(DocumentRows(doc.record, doc.chunks, vectors, sentences, doc.pages))
    return rows
