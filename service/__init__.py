"""Query side: loads the index `ingest` wrote, retrieves, reranks and answers."""
