"""Persons and their dated identities; finding a person by ID number or (fuzzily) by name."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlite_utils

from ..case import IDENTITIES, Case, birth_from_id, mask_id, sex_from_id
from ..errors import InputError

# 因病致贫重病患者: one identification covers one medical year (威政办发〔2022〕15号 二、(三)4):
# the grant ends 12 months after it was made.
VALID_MONTHS = {"illness_impoverished": 12}


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def default_end(identity: str, granted: dt.date) -> dt.date | None:
    months = VALID_MONTHS.get(identity)
    return add_months(granted, months) - dt.timedelta(days=1) if months else None


@dataclass(frozen=True, slots=True)
class Grant:
    identity: str
    granted_on: dt.date
    ends_on: dt.date | None
    source: str

    def covers(self, day: dt.date) -> bool:
        return self.granted_on <= day and (self.ends_on is None or day <= self.ends_on)


def find_by_id_number(db: sqlite_utils.Database, id_number: str) -> dict | None:
    rows = list(db.query("SELECT * FROM persons WHERE id_number = ?", (id_number,)))
    return rows[0] if rows else None


def grants(db: sqlite_utils.Database, person_id: int) -> list[Grant]:
    rows = db.query("SELECT identity, granted_on, ends_on, source FROM person_identities "
                    "WHERE person_id = ? ORDER BY granted_on, id", (person_id,))
    return [Grant(r["identity"], dt.date.fromisoformat(r["granted_on"]),
                  dt.date.fromisoformat(r["ends_on"]) if r["ends_on"] else None, r["source"]) for r in rows]


def identities_on(db: sqlite_utils.Database, person_id: int, day: dt.date) -> list[str]:
    """The identities a person holds on a day, for the window to fill in."""
    held = {g.identity for g in grants(db, person_id) if g.covers(day)}
    return [code for code in IDENTITIES if code in held]


def upsert_person(db: sqlite_utils.Database, id_number: str, name: str, at: str, *,
                  phone: str | None = None, address: str | None = None,
                  insurance: str | None = None, rural: bool | None = None) -> int:
    """The person's row id; a new person is added. The ID number must keep its name. The
    insurance type and 农村居民, when given, are remembered for the window to fill in next time."""
    found = find_by_id_number(db, id_number)
    if found:
        if found["name"] != name:
            raise InputError("person.name",
                             f"身份证号 {mask_id(id_number)} 已登记为“{found['name']}”，与输入的姓名“{name}”不一致，请核对证件",
                             f"ID number {mask_id(id_number)} is registered as {found['name']!r}, not {name!r}; check the ID card")
        updates = {k: v for k, v in (("phone", phone), ("address", address)) if v and v != found[k]}
        updates.update({k: v for k, v in (("insurance", insurance), ("rural", None if rural is None else int(rural)))
                        if v is not None and v != found.get(k)})
        if updates:
            db["persons"].update(found["id"], {**updates, "updated_at": at})
        return found["id"]
    return db["persons"].insert({
        "id_number": id_number, "name": name, "birth_date": birth_from_id(id_number).isoformat(),
        "sex": sex_from_id(id_number), "phone": phone, "address": address,
        "insurance": insurance, "rural": None if rural is None else int(rural),
        "created_at": at, "updated_at": at,
    }).last_pk


def add_grant(db: sqlite_utils.Database, person_id: int, identity: str, granted_on: dt.date,
              ends_on: dt.date | None, source: str, at: str) -> bool:
    """Record an identity grant; False when the same grant is already recorded."""
    if ends_on is None:
        ends_on = default_end(identity, granted_on)
    exists = list(db.query("SELECT 1 FROM person_identities WHERE person_id = ? AND identity = ? AND granted_on = ?",
                           (person_id, identity, granted_on.isoformat())))
    if exists:
        return False
    db["person_identities"].insert({
        "person_id": person_id, "identity": identity, "granted_on": granted_on.isoformat(),
        "ends_on": ends_on.isoformat() if ends_on else None, "source": source, "created_at": at,
    })
    return True


FROM_CASE = "案件录入"


def check_case_identities(db: sqlite_utils.Database, person_id: int, case: Case, at: str) -> None:
    """An identity the case claims must not have ended, by a recorded identification (an imported
    civil-affairs list or the window's person page), before the case date. A claim no grant covers
    is recorded from the case, for the window to fill in next time; such grants never refuse a case."""
    recorded = grants(db, person_id)
    for i, code in enumerate(case.identities):
        mine = [g for g in recorded if g.identity == code]
        if any(g.covers(case.date) for g in mine):
            continue
        ended = [g for g in mine if g.source != FROM_CASE and g.ends_on is not None and g.ends_on < case.date]
        if ended:
            last = max(ended, key=lambda g: g.ends_on)
            raise InputError(f"person.identities[{i}]",
                             f"“{IDENTITIES[code]}”身份于 {last.granted_on} 认定（{last.source}），已于 {last.ends_on} 到期，"
                             f"结算日期 {case.date} 不在有效期内；请登记新的认定结果后再保存",
                             f"identity {code} granted {last.granted_on} ended {last.ends_on}, before {case.date}; "
                             "record the new identification first")
        add_grant(db, person_id, code, case.date, None, FROM_CASE, at)


def like_escape(text: str) -> str:
    """Text matched literally inside a LIKE pattern (with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_by_pinyin(db: sqlite_utils.Database, text: str, limit: int = 50) -> list[dict]:
    """Persons whose name's pinyin matches letters typed: the initials (wxy) or the whole pinyin
    (wangxiuying) exactly first, then those starting with the letters."""
    from ..pinyin import initials, spelled

    q = "".join(text.split()).lower()
    ranked = []
    for person in db.query("SELECT * FROM persons"):
        first, whole = initials(person["name"]), spelled(person["name"])
        if q in (first, whole):
            ranked.append((0, person["name"], person["id"], person))
        elif first.startswith(q) or whole.startswith(q):
            ranked.append((1, person["name"], person["id"], person))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked[:limit]]


def search_by_name(db: sqlite_utils.Database, text: str, limit: int = 50) -> list[dict]:
    """Persons whose name matches `text`: exact, then starting with it, containing it, holding its
    characters in order, or differing from it in one character (a mistyped homophone). Letters
    (wxy, wangxiuying) are read as pinyin (search_by_pinyin)."""
    from ..pinyin import is_pinyin_query

    text = "".join(text.split())
    if not text:
        return []
    if is_pinyin_query(text):
        return search_by_pinyin(db, text, limit)
    esc = like_escape(text)
    spread = "%" + "%".join(like_escape(ch) for ch in text) + "%"
    one_off = [like_escape(text[:i]) + "_" + like_escape(text[i + 1:]) for i in range(len(text))] if len(text) > 1 else []
    off_sql = " OR ".join(["name LIKE ? ESCAPE '\\'"] * len(one_off)) or "0"
    sql = f"""
        SELECT *, CASE
            WHEN name = ? THEN 0
            WHEN name LIKE ? ESCAPE '\\' THEN 1
            WHEN name LIKE ? ESCAPE '\\' THEN 2
            WHEN name LIKE ? ESCAPE '\\' THEN 3
            ELSE 4 END AS rank
        FROM persons
        WHERE name LIKE ? ESCAPE '\\' OR ({off_sql})
        ORDER BY rank, name, id LIMIT ?"""
    params = [text, esc + "%", "%" + esc + "%", spread, spread, *one_off, limit]
    return list(db.query(sql, params))
