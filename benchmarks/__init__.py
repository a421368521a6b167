"""Benchmarks (``make bench``): every ``bench_*.py`` module here exposes ``run() -> list[Result]``."""
