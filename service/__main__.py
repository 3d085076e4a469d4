"""`python -m service`: serve the API with uvicorn (settings from RAG_* and .env)."""

from __future__ import annotations

import os

import uvicorn

from ingest.settings import Settings
from service.app import create_app
from service.logs import configure_logging


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    settings = Settings()
    configure_logging(settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
