"""Local stand-ins for Talent Rover (Salesforce) and Recruit AI, for demos and tests.

Each service is a real HTTPS server on 127.0.0.1, faithful to the documented
shapes, paging, errors and limits of the API it stands in for. They are product
code: users run them to try the DAGs before pointing them at a real org.
"""
