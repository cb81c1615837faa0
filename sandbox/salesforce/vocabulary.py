"""Word lists the generated org draws from: names, places, firms, roles and résumé phrases.

Names deliberately mix plain English with accented and non-Latin-1 spellings
(Zoë, Łukasz, Dvořák), and one apostrophe (O'Brien), because those are what
break encodings, PDF fonts and SOQL quoting in real orgs. Phone numbers use
ranges reserved for fiction and e-mail domains are reserved example domains.
"""

from __future__ import annotations

FIRST_NAMES = (
    "James", "Mary", "Olivia", "Liam", "Emma", "Noah", "Sophie", "Oliver", "Charlotte", "Harry",
    "Amelia", "George", "Isla", "Jack", "Grace", "Thomas", "Emily", "William", "Hannah", "Daniel",
    "Sarah", "Michael", "Laura", "David", "Rachel", "Priya", "Wei", "Aoife", "Mateo", "Niamh",
    "Zoë", "Łukasz", "José", "François", "Søren", "Ólafur", "Siobhán", "Björn", "Anaïs", "Chloé",
    "Jürgen", "Renée", "Małgorzata", "Zoltán", "Inês", "Ángel", "Dagný", "Åsa", "Jiří", "Noémie",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Patel", "Nguyen", "Fitzgerald", "O'Brien", "Murphy", "Kelly", "Chen", "Khan", "Hughes", "Morgan",
    "Müller", "Ñúñez", "Dvořák", "Kowalczyk", "Østergaard", "García", "Gonçalves", "Lefèvre", "Jovanović",
    "Björk", "Ó Súilleabháin", "Schäfer", "Łęcki", "Fernández", "Sørensen", "Núñez", "Hájek", "Zieliński",
)  # fmt: skip

# (city, state or None, country)
PLACES = (
    ("London", None, "United Kingdom"),
    ("Manchester", None, "United Kingdom"),
    ("Edinburgh", None, "United Kingdom"),
    ("New York", "NY", "United States"),
    ("Boston", "MA", "United States"),
    ("Chicago", "IL", "United States"),
    ("San Francisco", "CA", "United States"),
    ("Paris", None, "France"),
    ("Zürich", None, "Switzerland"),
    ("München", None, "Germany"),
    ("Kraków", None, "Poland"),
    ("Łódź", None, "Poland"),
    ("Dublin", None, "Ireland"),
    ("København", None, "Denmark"),
    ("Reykjavík", None, "Iceland"),
    ("Madrid", None, "Spain"),
    ("São Paulo", "SP", "Brazil"),
    ("Montréal", "QC", "Canada"),
)

EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com", "inbox.example.org")

LEAD_SOURCES = ("Web", "LinkedIn", "Referral", "Job Board", "Agency", "Event")

CONTACT_TITLES = (
    "Senior Associate", "Associate", "Paralegal", "Legal Counsel", "Trainee Solicitor", "Partner",
    "Financial Analyst", "Tax Manager", "Compliance Officer", "Financial Controller", "Risk Analyst",
    "Software Engineer", "Data Engineer", "Product Manager", "IT Support Analyst", "Head of Legal",
    "Talent Partner", "Office Manager",
)  # fmt: skip

NAMED_ACCOUNTS = (
    "Société Générale",
    "Müller & Söhne GmbH",
    "Łódź Legal sp. z o.o.",
    "Harrington & Wolfe LLP",
    "Abernathy Cole LLP",
    "Pemberton Hale Solicitors",
    "Kingsley Marsh LLP",
    "Núñez & Asociados Abogados",
    "Østerby Advokatfirma",
    "Northbridge Capital",
    "Brightwater Technologies Ltd",
    "Calloway Reinsurance",
    "Fairbanks Whitlock",
    "Cœur Défense Partners",
)
ACCOUNT_SUFFIXES = ("LLP", "Solicitors", "& Partners", "Capital", "Technologies Ltd", "Advisory", "GmbH")
INDUSTRIES = ("Legal", "Financial Services", "Technology")

JOB_TITLES = (
    "Senior Associate – Corporate M&A",
    "Litigation Paralegal",
    "In-house Counsel (Employment)",
    "Trainee Solicitor 2027",
    "Conveyancing Solicitor",
    "Financial Controller",
    "FP&A Analyst",
    "Tax Senior – Private Clients",
    "Compliance Manager",
    "Risk Analyst (Credit)",
    "Data Engineer (Python/Airflow)",
    "Software Engineer – Matter Management",
    "IT Support Analyst",
    "Legal Operations Manager",
    "Knowledge Lawyer – Banking & Finance",
)
JOB_PERKS = (
    "hybrid working (3 days in the office)",
    "25 days' holiday plus bank holidays",
    "private medical cover",
    "a €2,000 learning budget",
    "pension matched up to 6%",
    "study leave for professional exams",
)

# Per field of work: skills, responsibilities and degrees that read naturally together.
FIELDS_OF_WORK = {
    "legal": {
        "skills": (
            "Commercial contracts", "M&A due diligence", "Employment law", "Litigation", "GDPR",
            "Legal drafting", "Negotiation", "Regulatory compliance", "Real estate", "Arbitration",
        ),
        "bullets": (
            "Advised {client} on a cross-border acquisition worth €{amount}m",
            "Drafted and negotiated supply and licensing agreements for {client}",
            "Ran due diligence data rooms for a team of {team} lawyers",
            "Managed a caseload of {team} employment tribunal claims",
            "Trained junior colleagues on contract review & precedent use",
            "Cut turnaround of NDAs from 5 days to {team} hours with new templates",
        ),
        "degrees": ("LLB Law", "LLM Commercial Law", "Legal Practice Course", "BA Jurisprudence"),
        "summary": "{title} with {years} years of experience advising {sector} clients on {skill}.",
    },
    "finance": {
        "skills": (
            "Financial modelling", "IFRS", "Budgeting & forecasting", "Excel", "SAP", "Audit",
            "Tax compliance", "Treasury", "Power BI", "Credit risk",
        ),
        "bullets": (
            "Built the group's rolling forecast covering €{amount}m of revenue",
            "Led month-end close for {team} entities across Europe",
            "Reduced audit adjustments by {team}0% through new reconciliations",
            "Prepared board packs and variance analysis for {client}",
            "Implemented SAP cost-centre reporting for {team} departments",
        ),
        "degrees": ("BSc Accounting & Finance", "ACCA", "ACA", "MSc Finance", "CFA Level II"),
        "summary": "{title} with {years} years in {sector} finance, strong in {skill}.",
    },
    "tech": {
        "skills": (
            "Python", "SQL", "Apache Airflow", "AWS", "Salesforce", "TypeScript", "Docker", "dbt",
            "Kubernetes", "Data modelling",
        ),
        "bullets": (
            "Built data pipelines moving {amount} million records a day for {client}",
            "Migrated {team} services to containers on Kubernetes",
            "Integrated Salesforce with the finance ledger through the REST API",
            "Mentored {team} engineers and introduced code review standards",
            "Cut report latency from hours to {team} minutes",
        ),
        "degrees": ("BSc Computer Science", "MSc Data Science", "BEng Software Engineering"),
        "summary": "{title} with {years} years building software for {sector} teams, focused on {skill}.",
    },
}  # fmt: skip
SECTORS = ("banking", "insurance", "technology", "public sector", "retail", "energy", "healthcare")
UNIVERSITIES = (
    "University of Edinburgh",
    "King's College London",
    "Trinity College Dublin",
    "Université Paris 1 Panthéon-Sorbonne",
    "Uniwersytet Jagielloński",
    "Københavns Universitet",
    "Háskóli Íslands",
    "University of Manchester",
    "Boston University",
    "Universidad Complutense de Madrid",
)
LANGUAGES = ("French", "German", "Polish", "Spanish", "Portuguese", "Danish", "Icelandic", "Irish")
