"""Benchmarks: résumé extraction and the end-to-end sync (see the README's "Benchmark")."""
