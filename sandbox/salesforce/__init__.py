"""Sandbox Salesforce: the REST API a Talent Rover org answers, over a generated org."""
