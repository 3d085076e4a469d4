"""Answer generators: extractive (offline, default) and any OpenAI-compatible chat endpoint."""
