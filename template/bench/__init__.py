"""Benchmarks of the service against two baselines; run with `python -m bench`."""
