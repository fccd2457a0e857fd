"""The benchmark harness: `make bench` (full) or `make bench-smoke`. See docs/performance.md."""
