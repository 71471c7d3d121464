"""Benchmarks and load tests: each prints JSON and measures against a baseline in the same run.

Run from the repository root as modules, e.g. ``python -m benchmarks.bench_draw``. Not part of the test suite
(tests/browser/test_load.py drives ``load_test`` for its outcomes, never its times)."""
