"""Property-based contract tests derived from spec/openapi.yaml (offline and --live)."""
