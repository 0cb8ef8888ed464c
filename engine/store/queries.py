"""What the window asks of the store: cases by person / date / operator / region, a person's
year ledger, the year's early-warning list."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterator

from ..case import check_id_number, parse_case
from ..codec import from_json_text
from ..errors import InputError
from ..region_registry import REGIONS, check_region, ledger_labels
from ..whatif import LAYERS, StoredCase
from .cases import replay
from .database import Store
from .offices import looks_like_code
from ..pinyin import is_pinyin_query
from .persons import find_by_id_number, like_escape, mask_id, search_by_pinyin
from .resettle import year_payments

# The ledger's accumulated amounts, as a clerk reads them: those the common rules keep (keys from
# engine/insurance.py and the regions' shared keys), then each region's own (its LEDGER_LABELS).
COMMON_LEDGER_LABELS = {
    "basic.paid.resident": "基本医保（城乡居民）年度累计支付",
    "basic.paid.employee": "基本医保（职工）年度累计支付",
    "critical.base": "大病保险年度累计合规个人负担（起付线基数）",
    "critical.paid": "大病保险年度累计支付",
    "special_drug.paid": "大病保险特药年度累计支付",
    "assist.paid": "医疗救助年度累计支付",
    "tilt.paid": "倾斜救助/再救助年度累计支付",
    "out_of_pocket": "年度累计个人自付（预警用）",
}


def ledger_label(key: str) -> str:
    return COMMON_LEDGER_LABELS.get(key) or ledger_labels().get(key, key)


MAX_PINYIN_PERSONS = 500  # persons whose name reads as the letters typed, in one case search


def _region(region: str | None) -> str | None:
    return None if region is None else check_region(region)


def _year(year: int | None) -> int | None:
    if year is not None and not 2000 <= year <= 2100:
        raise InputError("year", f"年度 {year} 不合理，应为四位年份（如 2023）", f"year {year} is not a four-digit year")
    return year


STATUS_WHERE = {"待审核": "c.review = '待审核'", "已审核": "c.review = '已审核'", "退回": "c.review = '退回'",
                "免审": "c.review = '免审'", "已发放": "c.paid_at IS NOT NULL",
                "待发放": "c.paid_at IS NULL AND c.review IN ('已审核', '免审')"}


def list_cases(store: Store, *, id_number: str | None = None, name: str | None = None, year: int | None = None,
               region: str | None = None, operator: str | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None, include_void: bool = False, limit: int | None = None,
               status: str | None = None, office: str | None = None) -> list[dict]:
    """Cases, oldest first (date, then saving order). ID numbers are masked. `name` is part of a
    name, or its pinyin (initials or whole). `status`: a review state (待审核, 已审核, 退回, 免审),
    已发放, or 待发放 (reviewed, not yet paid)."""
    where, params = [], []
    if status:
        where.append(STATUS_WHERE[status])
    if id_number:
        where.append("p.id_number = ?")
        params.append(check_id_number(id_number.strip().upper(), "id_number"))
    if name and is_pinyin_query(name):   # wxy, wangxiuying: the persons whose name reads so
        ids = [p["id"] for p in search_by_pinyin(store.db, name, limit=MAX_PINYIN_PERSONS)]
        where.append(f"p.id IN ({', '.join('?' * len(ids))})" if ids else "0")
        params.extend(ids)
    elif name and name.strip():
        where.append("p.name LIKE ? ESCAPE '\\'")
        params.append("%" + like_escape(name.strip()) + "%")
    if _year(year) is not None:
        # with a person given, the person's index must lead: `+` keeps SQLite off the year index
        where.append("+c.policy_year = ?" if (id_number or name) else "c.policy_year = ?")
        params.append(year)
    if _region(region):
        where.append("c.region = ?")
        params.append(region)
    if operator:
        where.append("c.operator = ?")
        params.append(operator)
    if date_from:
        where.append("c.date >= ?")
        params.append(date_from.isoformat())
    if date_to:
        where.append("c.date <= ?")
        params.append(date_to.isoformat())
    if office and office.strip():
        condition, extra = office_where(store, office)
        where.append(condition)
        params.extend(extra)
    if not include_void:
        where.append("c.void = 0")
    sql = ("SELECT c.id, r.number, p.id_number, p.name, c.region, c.date, c.void, c.kind, c.total, c.basic, c.critical, "
           "c.assistance, c.tilt, c.hospital_borne, c.out_of_pocket, c.operator, c.office, c.office_code, c.review, "
           "c.paid_at "
           + ("FROM persons p CROSS JOIN cases c ON p.id = c.person_id" if (id_number or name)  # persons first
              else "FROM cases c JOIN persons p ON p.id = c.person_id")
           + " JOIN receipts r ON r.case_id = c.id"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.date, c.id"
           + (f" LIMIT {int(limit)}" if limit else ""))
    return [{
        "case_id": r["id"], "receipt_no": r["number"], "id_number": mask_id(r["id_number"]), "name": r["name"],
        "region": r["region"], "date": r["date"], "void": bool(r["void"]), "kind": r["kind"], "total": r["total"],
        "payouts": {"basic": r["basic"], "critical": r["critical"], "assistance": r["assistance"], "tilt": r["tilt"]},
        "hospital_borne": r["hospital_borne"], "out_of_pocket": r["out_of_pocket"],
        "review": r["review"], "paid_at": r["paid_at"],
        "operator": r["operator"], "office": r["office"], "office_code": r["office_code"],
    } for r in store.query(sql, params)]


def office_where(store: Store, office: str) -> tuple[str, list[str]]:
    """The condition on cases `c`, with its parameters, for an office given by code or by name: a
    code, or a name some code has (now or before), selects that code's cases; another name, the
    cases saved under it without a code."""
    text = office.strip()
    if looks_like_code(text):
        return "c.office_code = ?", [text]
    if store.query("SELECT 1 FROM offices WHERE name = ? UNION SELECT 1 FROM office_names WHERE name = ?", (text, text)):
        return ("c.office_code IN (SELECT code FROM offices WHERE name = ? "
                "UNION SELECT code FROM office_names WHERE name = ?)", [text, text])
    return "(c.office = ? AND c.office_code IS NULL)", [text]


def person_or_error(store: Store, id_number: str) -> dict:
    number = check_id_number(id_number.strip().upper(), "ID_NUMBER")
    person = find_by_id_number(store.db, number)
    if not person:
        raise InputError("ID_NUMBER", f"没有身份证号为 {mask_id(number)} 的人员记录，请核对号码或先保存其案件",
                         f"no person with ID number {mask_id(number)}")
    return person


def year_ledger(store: Store, id_number: str, year: int, region: str | None = None) -> dict[str, Any]:
    """Each cap and deductible (used, limit, left, clause) and each accumulated amount of a
    person's policy year, per region, from the stored non-void cases."""
    person = person_or_error(store, id_number)
    _year(year)
    regions = [r["region"] for r in store.query(
        "SELECT DISTINCT region FROM cases WHERE person_id = ? AND +policy_year = ? AND void = 0 ORDER BY region",
        (person["id"], year)) if region in (None, r["region"])]
    out = []
    for reg in regions:
        ledger, results = replay(store.db, person["id"], reg, year, store.book)
        caps: dict[str, dict] = {}
        for _, result in results:
            for cap in result.caps:
                caps[cap.key] = cap.to_json()
        out.append({
            "region": reg, "region_name": REGIONS[reg], "cases": len(results),
            "recomputed": _recomputed(store, results),
            "caps": list(caps.values()),
            "accumulated": [{"key": k, "name": ledger_label(k), "amount": str(v)}
                            for k, v in sorted(ledger.data.items())],
            # what was actually paid: each case's stored amounts + its 补差, and the cases waiting for 补差
            "payments": year_payments(store, person["id"], reg, year),
        })
    return {"id_number": mask_id(person["id_number"]), "name": person["name"], "year": year, "regions": out}


def _recomputed(store: Store, results: list) -> list[dict[str, Any]]:
    """The year's cases whose stored payouts differ from what the replayed ledger gives now (a
    case of the year before them was voided since): the ledger shows the replay, not what was paid."""
    if not results:
        return []
    ids = [case_id for case_id, _ in results]
    stored = {r["id"]: (r["number"], from_json_text(r["result"])["payouts"]) for r in store.query(
        f"SELECT c.id, c.result, r.number FROM cases c JOIN receipts r ON r.case_id = c.id "
        f"WHERE c.id IN ({', '.join('?' * len(ids))})", ids)}
    out = []
    for case_id, result in results:
        number, paid = stored[case_id]
        now = result.to_json()["payouts"]
        if now != paid:
            out.append({"case_id": case_id, "receipt_no": number, "stored": paid, "recomputed": now})
    return out


def early_warning_list(store: Store, year: int, region: str | None = None) -> list[dict]:
    """Persons whose year passed their early-warning line, with the latest warning of the year."""
    _year(year)
    params: list[Any] = [year]
    extra = ""
    if _region(region):
        extra = " AND c.region = ?"
        params.append(region)
    rows = store.query(
        "SELECT c.person_id, c.region, c.warning_kind, c.year_out_of_pocket, c.date, c.id, p.id_number, p.name "
        "FROM cases c JOIN persons p ON p.id = c.person_id "
        "WHERE c.policy_year = ? AND c.warning_kind IS NOT NULL AND c.void = 0" + extra +
        " ORDER BY c.id", params)
    latest: dict[tuple[int, str], dict] = {}
    for r in rows:
        latest[(r["person_id"], r["region"])] = r
    return [{"id_number": mask_id(r["id_number"]), "name": r["name"], "region": r["region"], "kind": r["warning_kind"],
             "year_out_of_pocket": r["year_out_of_pocket"], "date": r["date"], "case_id": r["id"]}
            for r in sorted(latest.values(), key=lambda r: r["id"])]


def case_years(store: Store) -> list[int]:
    """The policy years that have cases, newest first (one index seek per year)."""
    years: list[int] = []
    last = 10000
    while True:
        rows = store.query("SELECT max(policy_year) AS y FROM cases WHERE policy_year < ?", (last,))
        if not rows or rows[0]["y"] is None:
            return years
        last = rows[0]["y"]
        years.append(last)


def newest_case_year(store: Store) -> int | None:
    """The policy year of the most recently dated case, or None when the store is empty."""
    rows = store.query("SELECT policy_year FROM cases ORDER BY date DESC, id DESC LIMIT 1")
    return rows[0]["policy_year"] if rows else None


def person_years(store: Store, id_number: str) -> list[int]:
    """The policy years in which a person has cases (void ones included), newest first."""
    rows = store.query("SELECT DISTINCT c.policy_year FROM persons p CROSS JOIN cases c ON c.person_id = p.id "
                       "WHERE p.id_number = ? ORDER BY c.policy_year DESC", (id_number,))
    return [r["policy_year"] for r in rows]


def last_live_year(store: Store, id_number: str) -> int | None:
    """The newest policy year in which a person has a case that is not void."""
    rows = store.query("SELECT max(policy_year) AS y FROM cases c JOIN persons p ON p.id = c.person_id "
                       "WHERE p.id_number = ? AND c.void = 0", (id_number,))
    return rows[0]["y"] if rows else None


def year_cases(store: Store, year: int, persons: range | None = None) -> tuple[int, Iterator[StoredCase]]:
    """The year's non-void cases, by person and in the order the ledger replays them (settlement date,
    then saving order), with what was paid for each: its stored result plus its 补差 records. Returns
    their number, and the cases as they are read (what-if, engine/whatif.py). `persons`: only the
    persons whose row id is in that range (a what-if worker's share, year_person_bounds)."""
    _year(year)
    where, params = "c.policy_year = ? AND c.void = 0", (year,)
    if persons is not None:
        where, params = where + " AND c.person_id >= ? AND c.person_id < ?", params + (persons.start, persons.stop)
    count = store.conn.execute(f"SELECT count(*) FROM cases c WHERE {where}", params).fetchone()[0]
    resettled: dict[int, dict[str, Decimal]] = {}
    for r in store.query("SELECT case_id, basic, critical, assistance, tilt FROM resettlements WHERE year = ?", (year,)):
        sums = resettled.setdefault(r["case_id"], dict.fromkeys(LAYERS, Decimal(0)))
        for layer in LAYERS:
            sums[layer] += Decimal(r[layer])

    def rows() -> Iterator[tuple]:   # read when first asked for; plain tuples, not a dict per row
        yield from store.conn.execute(
            "SELECT c.id, c.person_id, c.input, c.basic, c.critical, c.assistance, c.tilt, p.id_number, p.name "
            f"FROM cases c JOIN persons p ON p.id = c.person_id WHERE {where} "
            "ORDER BY c.person_id, c.date, c.id", params)

    def stored_case(row: tuple) -> StoredCase:
        case_id, person_id, text, basic, critical, assistance, tilt, id_number, name = row
        paid = dict(zip(LAYERS, (Decimal(basic), Decimal(critical), Decimal(assistance), Decimal(tilt))))
        for layer, extra in resettled.get(case_id, {}).items():
            paid[layer] += extra
        return StoredCase(case_id, person_id, id_number, name, parse_case(from_json_text(text), stored=True), paid)

    return count, map(stored_case, rows())


def year_person_bounds(store: Store, year: int, parts: int) -> list[range]:
    """The year's persons cut into `parts` ranges of person row ids holding about as many of the
    year's non-void cases each (a person is never cut), in order; fewer when there are few persons."""
    _year(year)
    where = "policy_year = ? AND void = 0"
    count = store.conn.execute(f"SELECT count(*) FROM cases WHERE {where}", (year,)).fetchone()[0]
    starts = []   # the first person of each share: the one holding its first case
    for k in range(parts if count else 1):
        row = store.conn.execute(f"SELECT person_id FROM cases WHERE {where} ORDER BY person_id LIMIT 1 OFFSET ?",
                                 (year, count * k // parts)).fetchone()
        if row is None or not starts or row[0] > starts[-1]:
            starts.append(row[0] if row else 0)
    edges = [*starts, 2**63 - 1]
    return [range(lo, hi) for lo, hi in zip(edges, edges[1:])]
