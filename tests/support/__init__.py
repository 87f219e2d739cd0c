"""Helpers shared by the tests and the benchmarks (``benchmarks/``), so both build and measure alike.

Benchmarks import these and nothing else from ``tests`` (import contract in ``pyproject.toml``);
the modules here import no test module.
"""
