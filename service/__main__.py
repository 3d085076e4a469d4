"""`python -m service`: serve the API with uvicorn (settings from RAG_* and .env)."""

from __future__ import annotations

import os
import sys

from core.config import load_settings
from core.errors import ConfigError
from service.app import create_app
from service.logs import configure_logging
from service.server import serve


def main() -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        app = create_app(settings)  # may refuse a combination of settings (ConfigError)
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    serve(settings, app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
