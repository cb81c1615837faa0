"""Sandbox Recruit AI: the ingestion routes of its public API, for demos and tests.

Its ``/sandbox/...`` inspection routes exist only here, never in the real service.
"""
