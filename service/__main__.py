"""`python -m service`: serve the API with uvicorn (settings from RAG_* and .env)."""

from __future__ import annotations

import os

from core.config import Settings
from service.app import create_app
from service.logs import configure_logging
from service.server import serve


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    settings = Settings()
    configure_logging(settings.log_level)
    serve(settings, create_app(settings))


if __name__ == "__main__":
    main()
