-- The index in PostgreSQL (RAG_STORE=postgres), inside the store's schema (RAG_PG_SCHEMA).
--
-- Document rows are keyed by content: (sha256, build), where build is a digest of the
-- embedder and chunker settings that produced them. Generations only list documents, so an
-- incremental ingest writes the rows of new documents and a list; two ingests of the same
-- bytes share one set of rows. Readers see a generation only once `live` points at it.

CREATE TABLE documents (
    doc_key     bigserial PRIMARY KEY,
    sha256      text NOT NULL,
    build       text NOT NULL,
    doc_id      text NOT NULL,
    chunks      integer NOT NULL,
    tokens      bigint NOT NULL,  -- sum of its chunks' BM25 lengths
    record      jsonb NOT NULL,   -- the manifest's DocumentRecord (its path is per generation)
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sha256, build)
);

CREATE TABLE chunks (
    doc_key          bigint NOT NULL REFERENCES documents ON DELETE CASCADE,
    ordinal          integer NOT NULL,
    chunk_id         text NOT NULL,
    page_start       integer NOT NULL,
    page_end         integer NOT NULL,
    label_start      text NOT NULL,
    label_end        text NOT NULL,
    char_start       integer NOT NULL,
    char_end         integer NOT NULL,
    n_tokens         integer NOT NULL,
    text             text NOT NULL,
    page_breaks      integer[] NOT NULL,  -- (offset in text, page, offset in page) flattened
    sentences        integer[] NOT NULL,  -- (start, end) spans flattened
    dim              integer NOT NULL,
    embedding        vector NOT NULL,     -- L2-normalised; HNSW indexes per dim (cosine)
    sentence_vectors bytea NOT NULL,      -- float16 little-endian, one row of dim per sentence
    terms            integer[] NOT NULL,  -- BM25 term ids in text order
    PRIMARY KEY (doc_key, ordinal)
);

CREATE TABLE pages (
    doc_key  bigint NOT NULL REFERENCES documents ON DELETE CASCADE,
    page     integer NOT NULL,
    label    text NOT NULL,
    text     text NOT NULL,
    PRIMARY KEY (doc_key, page)
);

-- BM25: one row per (term, document), the chunks holding it with their term frequency and
-- length (length 1 for a chunk without terms, as bm25s counts it).
CREATE TABLE terms (
    term_id  serial PRIMARY KEY,
    term     text NOT NULL UNIQUE
);

CREATE TABLE postings (
    term_id   integer NOT NULL,
    doc_key   bigint NOT NULL REFERENCES documents ON DELETE CASCADE,
    ordinals  integer[] NOT NULL,
    tfs       integer[] NOT NULL,
    lengths   integer[] NOT NULL,
    PRIMARY KEY (term_id, doc_key)
);
CREATE INDEX postings_doc_key ON postings (doc_key);

CREATE TABLE generations (
    gen_id         serial PRIMARY KEY,
    name           text NOT NULL UNIQUE,
    build          text NOT NULL,
    manifest       jsonb NOT NULL,
    chunks         integer NOT NULL,
    tokens         bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    superseded_at  timestamptz
);

-- A generation's documents in manifest order; row = row_start + chunk ordinal.
CREATE TABLE generation_documents (
    gen_id     integer NOT NULL REFERENCES generations ON DELETE CASCADE,
    doc_key    bigint NOT NULL REFERENCES documents,  -- never deleted while listed
    position   integer NOT NULL,
    path       text NOT NULL,
    row_start  integer NOT NULL,
    chunks     integer NOT NULL,
    PRIMARY KEY (gen_id, doc_key),
    UNIQUE (gen_id, position)
);
CREATE INDEX generation_documents_doc_key ON generation_documents (doc_key);

-- Chunks of the generation holding each term (BM25's document frequency).
CREATE TABLE generation_terms (
    gen_id   integer NOT NULL REFERENCES generations ON DELETE CASCADE,
    term_id  integer NOT NULL,
    df       integer NOT NULL,
    PRIMARY KEY (gen_id, term_id)
);

-- The pointer readers follow: switched in the transaction that writes the generation.
CREATE TABLE live (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    gen_id        integer NOT NULL REFERENCES generations,
    published_at  timestamptz NOT NULL DEFAULT now()
);
