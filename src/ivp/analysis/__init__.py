"""Analysis of one job (scope and figures), its results.json, municipality level, comparisons."""
