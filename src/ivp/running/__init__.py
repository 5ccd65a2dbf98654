"""Running: the job definition, the runner, kernels, the cache, atomic writes, provenance, paths."""
