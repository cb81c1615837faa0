"""Sandbox Recruit AI: a real HTTPS stand-in for Recruit AI's ingestion API, for demos and tests.

``server`` serves ``POST /public/candidate`` and ``POST /public/position`` as
``shared/recruit-ai/openapi.yaml`` describes them, storing records in SQLite.
Its ``/sandbox/...`` inspection routes (list, fetch, stats, reset) are
sandbox-only: the real Recruit AI has nothing like them, so production code
must never call them. ``client.RecruitAiSandboxClient`` reads them for the
demo and the tests. Run it alone with ``python -m sandbox.recruit_ai``.
"""
