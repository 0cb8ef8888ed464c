"""The documents' own sentences behind a step's clause, so a clerk can read what a rule says."""
from __future__ import annotations

import datetime as dt

from .policy import PolicyBook, bundled


def clause_texts(region: str, day: dt.date, source: str, book: PolicyBook | None = None) -> list[dict[str, str]]:
    """For a step's source (e.g. "武政规〔2023〕1号 二、(四)；二、(七)"), each cited clause of the
    parameters in force with the document's quoted sentence or the reading applied."""
    ps = (book or bundled()).params_for(region, day)
    seen, out = set(), []
    for p in ps.meta.values():
        if not p.reference or p.reference not in source:
            continue
        if p.document.verified and p.document.number not in source:
            continue
        text = p.quote or p.reading
        key = (p.document.key, p.reference, text)
        if not text or key in seen:
            continue
        seen.add(key)
        out.append({"citation": p.citation, "document": p.document.label, "text": text,
                    "kind": "原文" if p.quote else "本系统的理解"})
    return out
