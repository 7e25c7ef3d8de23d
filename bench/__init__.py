"""Benchmarks for Azora, run by `make bench` (never by `make test`).

They print figures and write `bench/report.json` and `bench/report.md`; they assert no
timing thresholds, because timings on a shared dev machine are evidence, not verdicts.
"""
