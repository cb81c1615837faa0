"""Security tests reuse the end-to-end fixtures: the DAGs as dags/ defines them, and a clean slate."""

from tests.e2e.conftest import bullhorn_dag, clean_slate, dag

__all__ = ["bullhorn_dag", "clean_slate", "dag"]
