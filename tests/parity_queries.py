"""Queries that exercise the search language on both backends (the parity check in tests/ and bench/).

Each is (query, filters): plain words in both languages (widened to their normal forms), phrases,
prefixes, AND/OR/NOT, parentheses, NEAR, and the filters of ``govtext query``.
"""

from __future__ import annotations

from typing import Any

PARITY_QUERIES: list[tuple[str, dict[str, Any]]] = [
    # Indonesian words (stems widen them: kemitraan -> mitra ...)
    ("kemitraan", {}),
    ("transparansi", {}),
    ("akuntabilitas", {}),
    ("pelayanan", {}),
    ("pemerintahan", {}),
    ("partisipasi masyarakat", {}),
    ("korupsi", {}),
    ("desa", {"year_from": 2018}),
    ("kebijakan", {"lang": "id"}),
    ("anggaran", {"kinds": ["abstract"]}),
    # English words (lemmas: partnerships -> partnership)
    ("partnerships", {}),
    ("accountability", {}),
    ("transparency", {"lang": "en"}),
    ("e-government", {}),
    ("citizens", {}),
    ("corruption", {"year_to": 2015}),
    ("policies", {}),
    ("services", {"theme": "service_quality"}),
    ("digital", {"theme": "e_government"}),
    ("governance", {"year_from": 2010, "year_to": 2016}),
    # phrases
    ('"pelayanan publik"', {}),
    ('"tata kelola"', {}),
    ('"good governance"', {}),
    ('"public service"', {}),
    ('"open data"', {}),
    ('"dana desa"', {"lang": "id"}),
    # prefixes
    ("govern*", {}),
    ("transpar*", {}),
    ("birokra*", {}),
    ("digit*", {"lang": "en"}),
    # boolean
    ("transparansi AND akuntabilitas", {}),
    ("transparency OR transparansi", {}),
    ("corruption NOT police", {}),
    ("(kemitraan OR partnership) AND swasta", {}),
    ("korupsi OR corruption", {"year_from": 2016}),
    ("desa AND (dana OR anggaran) NOT kota", {}),
    ('"public service" AND quality', {}),
    ("participation AND (budget OR planning)", {}),
    ("e-government NOT egovernment", {}),
    # NEAR (two terms: also on PostgreSQL)
    ("NEAR(pelayanan publik, 3)", {}),
    ("NEAR(open data, 2)", {}),
    ("NEAR(tata kelola)", {}),
]
