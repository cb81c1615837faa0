from tests.e2e.conftest import bullhorn_dag, clean_slate, dag  # noqa: F401
