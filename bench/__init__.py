"""`python -m bench`: latency, throughput and agreement benchmarks of the RAG service.

Every comparison (reranker on/off, BM25 engines, reranker precisions, embedder precisions,
sequential vs concurrent /ask) is measured side by side in one run on one machine, and
reported as a ratio as well as in milliseconds. See bench/README.md.
"""
