"""Sandbox Salesforce: the REST API of a Talent Rover org, over HTTPS on a generated org.

* ``org.generate_org`` builds a deterministic org (``org.Org``) of any size;
  ``documents`` renders its résumé files on demand.
* ``server.build_server`` serves it: OAuth, limits, SOQL queries (``soql``),
  files and sandbox-only admin routes (see ``server``'s docstring).
* ``python -m sandbox.salesforce`` runs it alone until interrupted.
"""
