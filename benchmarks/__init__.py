"""Benchmarks (`make bench`) and the production-like server they share with tests/test_load.py."""
