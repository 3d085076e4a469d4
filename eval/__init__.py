"""Golden-set evaluation: runs the service's pipeline, scores it, gates regressions."""
