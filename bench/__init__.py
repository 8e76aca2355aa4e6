"""The benchmark runner (`make bench`); see bench/run.py and README.md, "Benchmark"."""
