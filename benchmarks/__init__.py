"""Benchmarks: each prints one JSON object per line: {"name", "value", "unit", "target"}."""
