"""The generated org: determinism, shapes and proportions, stamps, ids, documents and their files."""

from __future__ import annotations

import io
import time
import zipfile
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import docx
import pypdf
import pytest
from lxml import etree
from striprtf.striprtf import rtf_to_text

from sandbox.salesforce import documents
from sandbox.salesforce.documents import full_name, unicode_pdf_font
from sandbox.salesforce.ids import checksum
from sandbox.salesforce.org import Org, StoredFile, generate_org
from sandbox.salesforce.schema import TALENT_ROVER

ANCHOR = datetime(2026, 11, 2, 12, tzinfo=UTC)
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
SPREAD = timedelta(hours=72)
CANDIDATE_STATUSES = {"Active", "Passive", "Placed"}


@pytest.fixture(scope="module")
def salesforce_org() -> Org:
    """A 2,000-candidate org, generated once for this module."""
    return generate_org(2000, seed=7, anchor=ANCHOR, spread=SPREAD)


def _candidates(org: Org) -> list[dict]:
    return [c for c in org.tables["Contact"].values() if c["TR1__Candidate_Status__c"] in CANDIDATE_STATUSES]


def test_same_arguments_give_the_same_org_and_another_seed_another() -> None:
    first = generate_org(150, seed=3, anchor=ANCHOR)
    second = generate_org(150, seed=3, anchor=ANCHOR)
    assert first.tables == second.tables
    document_id = next(iter(first.tables["TR1__ContactDocument__c"]))
    assert first.resume_text(document_id) == second.resume_text(document_id)
    assert generate_org(150, seed=4, anchor=ANCHOR).tables != first.tables


def test_object_counts_follow_the_candidate_count(salesforce_org: Org) -> None:
    statuses = Counter(c["TR1__Candidate_Status__c"] for c in salesforce_org.tables["Contact"].values())
    assert len(salesforce_org.tables["Contact"]) == 2000 + 400 + 100
    assert statuses[None] == 400
    assert statuses["Not Applicable"] == 100
    assert sum(statuses[status] for status in CANDIDATE_STATUSES) == 2000
    assert statuses["Active"] / 2000 == pytest.approx(0.55, abs=0.04)
    assert statuses["Passive"] / 2000 == pytest.approx(0.25, abs=0.04)
    assert statuses["Placed"] / 2000 == pytest.approx(0.20, abs=0.04)
    jobs = salesforce_org.tables["TR1__Job__c"].values()
    assert len(jobs) == 2000 // 10 + 3
    job_statuses = Counter(job["TR1__Status__c"] for job in jobs)
    assert job_statuses["Open"] / len(jobs) == pytest.approx(0.60, abs=0.08)
    assert job_statuses["Hold"] / len(jobs) == pytest.approx(0.15, abs=0.07)


def test_records_hold_every_schema_field_as_python_values(salesforce_org: Org) -> None:
    for sobject in TALENT_ROVER:
        fields = {field.name for field in sobject.fields}
        for record in list(salesforce_org.tables[sobject.name].values())[:50]:
            assert set(record) == fields, sobject.name
            assert record["IsDeleted"] is False
            assert all(isinstance(record[name], datetime) for name in ("CreatedDate", "SystemModstamp"))
    document = next(iter(salesforce_org.tables["TR1__ContactDocument__c"].values()))
    assert isinstance(document["TR1__Version__c"], float)
    assert isinstance(document["TR1__isDefault__c"], bool)


def test_names_and_accounts_mix_ascii_and_not(salesforce_org: Org) -> None:
    contacts = list(salesforce_org.tables["Contact"].values())
    first_names = {c["FirstName"] for c in contacts}
    last_names = {c["LastName"] for c in contacts}
    assert {"Zoë", "Łukasz", "José", "François", "Søren", "Ólafur", "Siobhán", "James"} <= first_names
    assert {"Müller", "Ñúñez", "O'Brien", "Smith"} <= last_names
    assert None in first_names
    accounts = {account["Name"] for account in salesforce_org.tables["Account"].values()}
    assert {"Société Générale", "Müller & Söhne GmbH", "Łódź Legal sp. z o.o."} <= accounts
    emails = [c["Email"] for c in contacts if c["Email"]]
    assert len(set(emails)) == len(emails)
    assert all(
        email.isascii() and email.split("@")[1].endswith(("example.com", "example.org", "example.net"))
        for email in emails
    )
    for optional in ("Title", "Phone", "LeadSource", "MailingCity", "Email"):
        missing = sum(c[optional] is None for c in contacts)
        assert 0 < missing < len(contacts) / 2, optional


def test_job_descriptions_are_html_and_some_are_missing(salesforce_org: Org) -> None:
    jobs = list(salesforce_org.tables["TR1__Job__c"].values())
    descriptions = [job["TR1__Client_Job_Description__c"] for job in jobs]
    present = [text for text in descriptions if text]
    assert 0 < descriptions.count(None) < len(jobs) / 4
    assert all("<p>" in text and "<ul><li>" in text and "<br>" in text for text in present)
    assert any("&amp;" in text for text in present)
    assert any(not text.isascii() for text in present)
    assert any(job["TR1__City__c"] is None for job in jobs)
    accounts = salesforce_org.tables["Account"]
    assert all(job["TR1__Account__c"] in accounts for job in jobs if job["TR1__Account__c"])


def test_stamps_are_whole_milliseconds_in_the_window_and_ordered(salesforce_org: Org) -> None:
    hours: Counter[int] = Counter()
    for table in ("Account", "Contact", "TR1__Job__c", "TR1__ContactDocument__c"):
        for record in salesforce_org.tables[table].values():
            modstamp = record["SystemModstamp"]
            assert ANCHOR - SPREAD <= modstamp < ANCHOR
            assert record["CreatedDate"] < record["LastModifiedDate"] <= modstamp
            for name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
                assert record[name].tzinfo is UTC
                assert record[name].microsecond % 1000 == 0
            if table == "Contact":
                hours[int((ANCHOR - modstamp) / timedelta(hours=1))] += 1
    # Stamps are spread evenly: every hour of the window sees about 2,500 / 72 contact changes.
    assert set(hours) == set(range(72))
    assert max(hours.values()) - min(hours.values()) <= 2


def test_ids_are_unique_18_character_ids_with_the_right_prefix(salesforce_org: Org) -> None:
    seen: set[str] = set()
    for sobject in TALENT_ROVER:
        for record_id, record in salesforce_org.tables[sobject.name].items():
            assert record["Id"] == record_id
            assert len(record_id) == 18
            assert record_id.startswith(sobject.key_prefix)
            assert record_id[15:] == checksum(record_id[:15])
            seen.add(record_id.lower())
    assert len(seen) == sum(len(table) for table in salesforce_org.tables.values())


def test_documents_cover_the_shapes_the_sync_must_handle(salesforce_org: Org) -> None:
    by_contact: dict[str, list[dict]] = defaultdict(list)
    for document in salesforce_org.tables["TR1__ContactDocument__c"].values():
        by_contact[document["TR1__Contact__c"]].append(document)
    candidates = {c["Id"] for c in _candidates(salesforce_org)}
    assert set(by_contact) <= candidates, "only candidates have documents"

    def resumes(contact_id: str) -> list[tuple[float, bool]]:
        docs = by_contact.get(contact_id, [])
        return sorted(
            (d["TR1__Version__c"], d["TR1__isDefault__c"]) for d in docs if d["TR1__Type__c"] == "Resume"
        )

    with_resume = [contact for contact in candidates if resumes(contact)]
    assert len(with_resume) / len(candidates) == pytest.approx(0.80, abs=0.04)
    shapes = Counter(tuple(resumes(contact)) for contact in with_resume)
    assert shapes[((1.0, True),)] > 0
    assert shapes[((1.0, False), (2.0, True))] > 0, "two versions, the second the default"
    assert shapes[((1.0, False), (2.0, False))] + shapes[((1.0, False), (2.0, False), (3.0, False))] > 0
    types = {contact: {d["TR1__Type__c"] for d in docs} for contact, docs in by_contact.items()}
    assert any(kinds == {"Cover Letter"} for kinds in types.values()), "some only have a cover letter"
    assert any({"Resume", "Cover Letter"} <= kinds for kinds in types.values())


def test_each_document_names_one_attachment_or_one_content_version(salesforce_org: Org) -> None:
    attachments = salesforce_org.tables["Attachment"]
    versions = salesforce_org.tables["ContentVersion"]
    storage = Counter()
    for document in salesforce_org.tables["TR1__ContactDocument__c"].values():
        url, version_id = document["TR1__Internal_URL__c"], document["TR1__ContentVersionId__c"]
        assert (url is None) != (version_id is None)
        if url:
            assert url.startswith("/servlet/servlet.FileDownload?file=00P")
            attachment = attachments[url.split("file=")[1]]
            assert attachment["ParentId"] == document["Id"]
            storage["Attachment"] += 1
        else:
            assert versions[version_id]["PathOnClient"] == document["Name"]
            storage["ContentVersion"] += 1
    assert storage["Attachment"] / storage.total() == pytest.approx(0.5, abs=0.05)


def _file_of(org: Org, document: dict) -> StoredFile:
    """The file a ContactDocument names, as the sync finds it."""
    if document["TR1__Internal_URL__c"]:
        stored = org.file("Attachment", document["TR1__Internal_URL__c"].split("file=")[1])
    else:
        stored = org.file("ContentVersion", document["TR1__ContentVersionId__c"])
    assert stored is not None
    return stored


def _extract(content: bytes, file_format: str) -> str:
    if file_format == "pdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    if file_format == "docx":
        return "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(content)).paragraphs)
    if file_format == "odt":
        # Independent of the extractor under test: the paragraphs' text as any XML reader sees it.
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            assert archive.namelist()[0] == "mimetype"
            assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
            root = etree.fromstring(archive.read("content.xml"))
        return "\n".join(
            "".join(element.itertext()) for element in root.iter(f"{{{_ODF_TEXT}}}p", f"{{{_ODF_TEXT}}}h")
        )
    if file_format == "rtf":
        assert content.startswith(b"{\\rtf1")
        assert content.isascii(), "RTF escapes every non-ASCII character"
        return rtf_to_text(content.decode("ascii"))
    if content.startswith(b"<!DOCTYPE html>"):
        return content.decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def test_files_of_every_format_hold_the_text_they_were_made_from(salesforce_org: Org) -> None:
    seen: set[tuple[str, bool, bool]] = set()
    for document_id, document in salesforce_org.tables["TR1__ContactDocument__c"].items():
        spec = salesforce_org.file_spec(document_id)
        contact = salesforce_org.tables["Contact"][document["TR1__Contact__c"]]
        key = (spec.file_format, spec.long, full_name(contact).isascii())
        if key in seen or spec.kind != "Resume":
            continue
        seen.add(key)
        stored = _file_of(salesforce_org, document)
        text = salesforce_org.resume_text(document_id)
        lines = text.splitlines()
        extracted = _extract(stored.content, spec.file_format)
        if spec.file_format != "pdf" or unicode_pdf_font() or full_name(contact).isascii():
            assert lines[0] == full_name(contact), "the résumé is headed with the candidate's name"
        assert lines[0] in extracted
        assert " | " in lines[1]
        assert lines[-1] == f"Version {int(document['TR1__Version__c'])}"
        assert lines[-1] in extracted
        assert {"Summary", "Skills", "Experience", "Education"} <= set(lines)
        if spec.file_format == "pdf" and spec.long:
            assert len(pypdf.PdfReader(io.BytesIO(stored.content)).pages) >= 2
    assert {key[0] for key in seen} == {"pdf", "docx", "txt", "html", "odt", "rtf"}
    assert len(seen) == 24, "every format, long and short, ASCII and not"


def test_the_server_serves_the_files_render_makes_in_its_worker_processes(salesforce_org: Org) -> None:
    served: dict[tuple[str, bool], bool] = {}
    for document_id, document in salesforce_org.tables["TR1__ContactDocument__c"].items():
        spec = salesforce_org.file_spec(document_id)
        key = (spec.file_format, full_name(spec.contact).isascii())
        if key in served:
            continue
        # Org.file renders in the worker pool; render is this process's own.
        served[key] = _file_of(salesforce_org, document).content == documents.render(spec)
    assert len(served) == 12, "every format, with an ASCII name and not"
    assert all(served.values()), served


def test_plain_text_files_come_in_utf8_and_windows_1252(salesforce_org: Org) -> None:
    encodings = Counter()
    for document_id, document in salesforce_org.tables["TR1__ContactDocument__c"].items():
        spec = salesforce_org.file_spec(document_id)
        if spec.file_format != "txt" or full_name(spec.contact).isascii():
            continue
        content = _file_of(salesforce_org, document).content
        try:
            decoded = content.decode("utf-8")
            encodings["utf-8"] += 1
        except UnicodeDecodeError:
            decoded = content.decode("cp1252")
            encodings["cp1252"] += 1
            assert "\r\n" in decoded
        assert decoded.replace("\r\n", "\n") == salesforce_org.resume_text(document_id)
    assert encodings["utf-8"] > 0
    assert encodings["cp1252"] > 0


def test_generating_a_large_org_is_quick() -> None:
    started = time.perf_counter()
    org = generate_org(20_000, anchor=ANCHOR)
    elapsed = time.perf_counter() - started
    assert len(org.tables["Contact"]) == 25_000
    assert elapsed < 5, f"20,000 candidates took {elapsed:.1f}s"


def test_without_a_unicode_font_pdfs_transliterate_and_say_so(
    salesforce_org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "unicode_pdf_font", lambda: None)
    specs = (
        salesforce_org.file_spec(document_id)
        for document_id in salesforce_org.tables["TR1__ContactDocument__c"]
    )
    spec = next(s for s in specs if s.file_format == "pdf" and not _fits_latin1(full_name(s.contact)))
    text = documents.document_text(spec)
    heading = text.splitlines()[0]
    assert heading != full_name(spec.contact)
    assert _fits_latin1(text)
    assert documents.ascii_fold(heading) == documents.ascii_fold(full_name(spec.contact))
    extracted = _extract(documents.render(spec), "pdf")
    assert heading in extracted
    assert text.splitlines()[-1] in extracted


def _fits_latin1(text: str) -> bool:
    return all(ord(char) < 256 for char in text)
