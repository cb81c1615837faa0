"""A sandbox Bullhorn REST API: the auth chain, query/search, entities, files, limits and faults.

Faithful to Bullhorn's documented behaviour (see ``/work/shared/bullhorn/api-facts.md``
and Bullhorn's REST docs): the authorization-code → access token → BhRestToken
chain, single-use codes and refresh tokens, 412/401 for a missing/bad token;
``query`` with a JPQL where (Candidate refused: search only), ``search`` with
Lucene (dates as ``yyyyMMddHHmmss`` UTC, booleans 0/1, soft-deleted records in
the index); ``{"total","start","count","data"}`` pages, default 20 and at most
500, ``total`` on query only with ``showTotalMatched=true``; epoch-millisecond
dates; nested ``fields`` selections and to-many ``{"total","data"}``; PUT creates
and POST updates with ``changedEntityId``; ``entityFiles`` and ``file`` reads;
multipart résumé uploads; 1,500 calls a minute, then 429 without ``Retry-After``.

Simplified: one server plays both the auth and REST hosts (``/dc2/…`` plays
the wrong data centre, 307); page size drops to 200 whenever a long text field
(``description``) is asked for, where the real cap varies; ``_score`` is 1.0;
the JPQL and Lucene grammars are subsets (see ``where.py``, ``lucene.py``);
addresses hold ``address1, address2, city, state, zip, countryID`` only (names
of countries come from ``options/Country``); a to-many field lists all its
items; error keys for cases Bullhorn does not document are plausible guesses.
Five entities are served: Candidate, CandidateEducation, CandidateWorkHistory,
JobOrder and JobSubmission.
"""
