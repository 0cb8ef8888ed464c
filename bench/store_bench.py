"""Case-store speed at scale: a million cases for a hundred thousand persons.

    .venv/bin/python bench/store_bench.py [--dir DIR] [--cases N] [--persons M] [--regenerate]

Targets (issue): with 1,000,000 cases for 100,000 persons, finding a person by ID number
≤ 20 ms, a year ledger ≤ 20 ms, saving a case ≤ 30 ms; print the figures and the database
size. A target passes when the 95th percentile is within it.

Saving a million cases one by one through save_cases would take hours, so the database is
built in two steps. First a few thousand real cases are saved through save_cases into a
template database: per region, per birth date (which sets the age the rules read) and per
identity profile, one template person with a sequence of cases in each policy year
2023–2025. Then every bench person copies one template person: its year sequences are cut
to the person's case count per year (a prefix of a sequence keeps the stored results
right, as each case is computed on the cases before it), its ID number keeps the template's
birth date, and the stored input and result JSON are copied with the person's ID number and
name put in. Cases are numbered in settlement order across all persons, as a window saves
them; each has a gapless receipt number per (office, year) and an audit entry; a few last
cases of a year are void. The database is cached in --dir and reused while its counts match.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from engine.errors import InputError  # noqa: E402
from engine.money import CENT  # noqa: E402
from engine.selftest import samples  # noqa: E402
from engine.store import open_store  # noqa: E402
from engine.store import backup as store_backup  # noqa: E402
from engine.store.cases import replay, save_cases, to_json_text  # noqa: E402
from engine.store.database import DB_NAME, Store  # noqa: E402
from engine.store.migrations import LATEST  # noqa: E402
from engine.store.persons import find_by_id_number, search_by_name  # noqa: E402
from engine.store.queries import early_warning_list, list_cases, year_ledger  # noqa: E402

TARGETS_MS = {"find": 20.0, "ledger": 20.0, "save": 30.0}
REGIONS = ("wuhan", "dianjiang", "weihai", "changchun")
YEARS = (2023, 2024, 2025)
SEQ_LEN = 8          # cases per template person and year: the most a bench person has in one year
VARIANTS = 6         # identity profiles per region and birth date
# The birth date is kept in every copied ID number, so each age the rules read stays the same:
# a child of 14 or under (长春 儿童上浮), adults, and a person of 80 or over (垫江 低保 全额门诊).
BIRTHS = ("20120815", "19790312", "19581102", "19400520")
AREA_PREFIX = {"wuhan": "4201", "dianjiang": "5002", "weihai": "3710", "changchun": "2201"}
OFFICES = {
    "wuhan": ("武汉市江岸区医保服务窗口", "武汉市洪山区医保服务窗口", "武汉市黄陂区医保服务窗口"),
    "dianjiang": ("垫江县医保中心服务窗口", "垫江县桂溪街道便民服务中心", "垫江县澄溪镇便民服务中心"),
    "weihai": ("威海市环翠区医保服务窗口", "威海市文登区医保服务窗口", "荣成市医保服务窗口"),
    "changchun": ("长春市朝阳区医保服务窗口", "长春市南关区医保服务窗口", "长春市九台区医保服务窗口"),
}
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红梅玉淑珍文斌海燕云飞鹏辉春金凤德福永宏俊萍琴"
META = "bench-meta.json"
META_VERSION = 1


# ---------------------------------------------------------------- template: real saves


@dataclass
class TemplateCase:
    date: str
    ordinal: int
    row: dict


@dataclass
class Template:
    region: str
    birth: str
    id_number: str
    name: str
    identities: tuple[str, ...]
    years: dict[int, list[TemplateCase]] = field(default_factory=dict)


def id_number(area: str, birth: str, seq: int) -> str:
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")   # stdnum drops the last character


def _jsonish(value):
    """YAML reads dates and numbers; cases are JSON, with dates and amounts as strings."""
    if isinstance(value, dict):
        return {k: _jsonish(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonish(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return value


def case_pool() -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """Visits/amounts/flags and person profiles per region, from the self-test samples and the
    hand-worked cases in tests/engine/cases (when present). Profiles holding an identity that expires
    (因病致贫重病患者, 12 months) are left out: a bench person keeps one profile for three years."""
    raws = [{k: v for k, v in s.items() if k != "expect"} for s in samples().values()]
    for path in sorted((ROOT / "tests" / "engine" / "cases").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            inp = _jsonish(entry["input"])
            raws.extend(inp["cases"] if "cases" in inp else [inp])
    shapes: dict[str, list[dict]] = {r: [] for r in REGIONS}
    profiles: dict[str, list[dict]] = {r: [] for r in REGIONS}
    for raw in raws:
        region = raw.get("region")
        if region not in shapes:
            continue
        shapes[region].append({k: raw[k] for k in ("visit", "amounts", "flags") if k in raw})
        person = {k: v for k, v in (raw.get("person") or {}).items() if k in ("identities", "insurance", "rural")}
        if "illness_impoverished" not in person.get("identities", []) and person not in profiles[region]:
            profiles[region].append(person)
    return shapes, profiles


def _scaled(shape: dict, factor: Decimal) -> dict:
    out = copy.deepcopy(shape)
    out["amounts"] = {k: (str((Decimal(str(v)) * factor).quantize(CENT)) if v is not None else v)
                      for k, v in shape.get("amounts", {}).items()}
    return out


def build_templates(folder: Path, rng: random.Random) -> tuple[list[Template], int]:
    """Save each template person's year sequences through save_cases; read the stored rows back."""
    shapes, profiles = case_pool()
    store = open_store(folder, daily_backup=False)
    store.conn.execute("PRAGMA synchronous = OFF")   # a scratch database: no need to wait for the disk
    templates: list[Template] = []
    saved = 0
    try:
        for region in REGIONS:
            for birth in BIRTHS:
                for v in range(VARIANTS):
                    n = len(templates)
                    profile = profiles[region][rng.randrange(len(profiles[region]))] if v else \
                        {"identities": ["subsistence"], "insurance": "resident"}
                    t = Template(region, birth, id_number(AREA_PREFIX[region] + "99", birth, n + 1), "TPL" + "".join(chr(65 + d) for d in divmod(n, 26)),
                                 tuple(dict.fromkeys(profile.get("identities", []))))
                    person = {"id_number": t.id_number, "name": t.name, **profile}
                    for year in YEARS:
                        start = dt.date(year, 1, 1).toordinal()
                        days = sorted(rng.sample(range(365), SEQ_LEN))
                        for day in days:
                            date = dt.date.fromordinal(start + day).isoformat()
                            for _attempt in range(200):
                                shape = _scaled(shapes[region][rng.randrange(len(shapes[region]))],
                                                Decimal(rng.choice(("0.5", "0.8", "1", "1", "1.3", "2", "3"))))
                                doc = {"region": region, "date": date, "person": person, **shape}
                                try:
                                    save_cases(store, doc, operator="模板", office="模板")
                                    saved += 1
                                    break
                                except InputError:
                                    continue
                            else:
                                raise SystemExit(f"no valid case shape for template {t.name} ({region}) on {date}")
                    templates.append(t)
        pid_of = {r["id_number"]: r["id"] for r in store.query("SELECT id, id_number FROM persons")}
        keep = ("region", "policy_year", "date", "kind", "input", "result", "policy_version", "total", "policy_scope",
                "basic", "critical", "assistance", "tilt", "hospital_borne", "out_of_pocket", "warning_kind",
                "year_out_of_pocket")
        for t in templates:
            for year in YEARS:
                rows = store.query("SELECT * FROM cases WHERE person_id = ? AND policy_year = ? AND void = 0 ORDER BY id",
                                   (pid_of[t.id_number], year))
                assert len(rows) == SEQ_LEN, (t.name, year, len(rows))
                t.years[year] = [TemplateCase(r["date"], dt.date.fromisoformat(r["date"]).toordinal(),
                                              {k: r[k] for k in keep}) for r in rows]
    finally:
        store.close()
    return templates, saved


# ---------------------------------------------------------------- the big database


def _spread(total: int, parts: int, rng: random.Random, low: int, high: int) -> list[int]:
    """`parts` counts in [low, high] summing to `total`, spread around the mean."""
    mean = total / parts
    counts = [min(high, max(low, round(rng.gauss(mean, mean / 3)))) for _ in range(parts)]
    diff = total - sum(counts)
    while diff:
        i = rng.randrange(parts)
        if diff > 0 and counts[i] < high:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > low:
            counts[i] -= 1
            diff += 1
    return counts


def _year_split(n: int, rng: random.Random) -> list[int]:
    split = [0] * len(YEARS)
    for _ in range(n):
        open_years = [i for i in range(len(YEARS)) if split[i] < SEQ_LEN]
        split[rng.choice(open_years)] += 1
    return split


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))


def _stamp(key: int) -> str:
    day, secs = divmod(key, 86400)
    return f"{dt.date.fromordinal(day).isoformat()}T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}+08:00"


def generate(folder: Path, n_cases: int, n_persons: int, seed: int) -> dict:
    if n_cases < n_persons:
        raise SystemExit("--cases must be at least --persons (every person has a case)")
    if n_cases > n_persons * SEQ_LEN * len(YEARS):
        raise SystemExit(f"at most {SEQ_LEN * len(YEARS)} cases a person")
    rng = random.Random(seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="store-bench-template-") as tmp:
        templates, template_cases = build_templates(Path(tmp), rng)
    template_seconds = time.perf_counter() - started
    print(f"template: {template_cases:,} real cases saved through save_cases for {len(templates)} template persons "
          f"in {template_seconds:.1f} s", flush=True)

    for suffix in ("", "-wal", "-shm"):
        (folder / (DB_NAME + suffix)).unlink(missing_ok=True)
    (folder / META).unlink(missing_ok=True)
    open_store(folder, daily_backup=False).close()      # the schema exactly as the program makes it
    path = folder / DB_NAME

    # Who is who: a template person, an office, a case count per policy year.
    person_tpl = [rng.randrange(len(templates)) for _ in range(n_persons)]
    person_office = [rng.randrange(3) for _ in range(n_persons)]
    counts = [_year_split(n, rng) for n in _spread(n_cases, n_persons, rng, 1, SEQ_LEN * len(YEARS))]
    operators = {office: [_name(rng) for _ in range(4)] for offices in OFFICES.values() for office in offices}

    # Every case as (time saved, person, year index, position in the year); ids follow the time.
    events = []
    voided = set()
    for p in range(n_persons):
        t = templates[person_tpl[p]]
        for yi, year in enumerate(YEARS):
            k = counts[p][yi]
            for j, tc in enumerate(t.years[year][:k]):
                events.append((tc.ordinal * 86400 + rng.randrange(8 * 3600, 17 * 3600 + 1800), p, yi, j))
            if k >= 2 and rng.random() < 0.005:
                voided.add((p, yi))       # the year's last case: no later case was computed on it
    events.sort()

    # Persons get their row when their first case is saved.
    pid = [0] * n_persons
    created = [""] * n_persons
    next_pid = 1
    for key, p, _, _ in events:
        if not pid[p]:
            pid[p], created[p] = next_pid, _stamp(key)
            next_pid += 1
    serial: dict[tuple[str, str], int] = {}
    idn, names = [""] * n_persons, [""] * n_persons
    for p in sorted(range(n_persons), key=lambda q: pid[q]):
        t = templates[person_tpl[p]]
        i = serial.get((t.region, t.birth), 0)
        serial[(t.region, t.birth)] = i + 1
        if i // 999 >= 90:
            raise SystemExit("too many persons for the ID number scheme")
        idn[p] = id_number(f"{AREA_PREFIX[t.region]}{i // 999 + 2:02d}", t.birth, i % 999 + 1)
        names[p] = _name(rng)

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall()
    conn.execute("BEGIN")
    for name, _ in indexes:   # built again after the load, from their own SQL
        conn.execute(f"DROP INDEX {name}")

    order = sorted(range(n_persons), key=lambda q: pid[q])
    conn.executemany(
        "INSERT INTO persons (id, id_number, name, birth_date, sex, phone, address, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
        ((pid[p], idn[p], names[p], dt.date(int(idn[p][6:10]), int(idn[p][10:12]), int(idn[p][12:14])).isoformat(),
          "男" if int(idn[p][16]) % 2 else "女",
          f"1{rng.choice('3589')}{rng.randrange(10 ** 9):09d}" if rng.random() < 0.3 else None,
          created[p], created[p]) for p in order))
    conn.executemany(
        "INSERT INTO person_identities (person_id, identity, granted_on, ends_on, source, created_at) "
        "VALUES (?, ?, ?, NULL, '案件录入', ?)",
        ((pid[p], code, created[p][:10], created[p]) for p in order for code in templates[person_tpl[p]].identities))

    case_sql = ("INSERT INTO cases (id, person_id, region, policy_year, date, kind, input, result, policy_version, total, "
                "policy_scope, basic, critical, assistance, tilt, hospital_borne, out_of_pocket, warning_kind, "
                "year_out_of_pocket, operator, office, created_at, void, void_reason, voided_at, voided_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    receipt_sql = "INSERT INTO receipts (case_id, office, year, seq, number) VALUES (?, ?, ?, ?, ?)"
    audit_sql = "INSERT INTO audit (at, operator, action, case_id, person_id, detail) VALUES (?, ?, ?, ?, ?, ?)"
    seqs: dict[tuple[str, int], int] = {}
    cases, receipts, audits = [], [], []

    def flush() -> None:
        conn.executemany(case_sql, cases)
        conn.executemany(receipt_sql, receipts)
        conn.executemany(audit_sql, audits)
        cases.clear(), receipts.clear(), audits.clear()

    for case_id, (key, p, yi, j) in enumerate(events, 1):
        t = templates[person_tpl[p]]
        year = YEARS[yi]
        r = t.years[year][j].row
        office = OFFICES[t.region][person_office[p]]
        operator = operators[office][rng.randrange(4)]
        seq = seqs.get((office, year), 0) + 1
        seqs[(office, year)] = seq
        number = f"{year}-{seq:06d}"
        at = _stamp(key)
        swap_id, swap_name = f'"{t.id_number}"', f'"{t.name}"'
        text_in = r["input"].replace(swap_id, f'"{idn[p]}"').replace(swap_name, f'"{names[p]}"')
        text_out = r["result"]
        if t.id_number in text_out or t.name in text_out:
            text_out = text_out.replace(t.id_number, idn[p]).replace(t.name, names[p])
        void = (p, yi) in voided and j == counts[p][yi] - 1
        voided_at = at[:11] + "17:45:00+08:00" if void else None
        cases.append((case_id, pid[p], r["region"], year, r["date"], r["kind"], text_in, text_out, r["policy_version"],
                      r["total"], r["policy_scope"], r["basic"], r["critical"], r["assistance"], r["tilt"],
                      r["hospital_borne"], r["out_of_pocket"], r["warning_kind"], r["year_out_of_pocket"], operator,
                      office, at, int(void), "结算单金额录入错误" if void else None, voided_at,
                      operator if void else None))
        receipts.append((case_id, office, year, seq, number))
        audits.append((at, operator, "save", case_id, pid[p], f"保存案件，回执号 {number}，医疗总费用 {r['total']}"))
        if void:
            audits.append((voided_at, operator, "void", case_id, pid[p], "作废：结算单金额录入错误"))
        if len(cases) >= 20000:
            flush()
            if case_id % 200000 == 0:
                print(f"  {case_id:,} cases written ({time.perf_counter() - started:.0f} s)", flush=True)
    flush()
    print(f"  building indexes ({time.perf_counter() - started:.0f} s)", flush=True)
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    seconds = time.perf_counter() - started
    meta = {"version": META_VERSION, "cases": n_cases, "persons": n_persons, "seed": seed, "voided": len(voided),
            "template_cases": template_cases, "template_seconds": round(template_seconds, 1),
            "generate_seconds": round(seconds, 1), "generated_at": dt.datetime.now().isoformat(timespec="seconds")}
    (folder / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


def cached(folder: Path, n_cases: int, n_persons: int) -> dict | None:
    """The generation record, when the database in the folder was generated with these counts
    (cases saved by earlier bench runs come on top)."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        if (meta.get("version"), meta.get("cases"), meta.get("persons")) != (META_VERSION, n_cases, n_persons):
            return None
        conn = sqlite3.connect(f"file:{folder / DB_NAME}?mode=ro", uri=True)
        try:
            persons = conn.execute("SELECT count(*) FROM persons").fetchone()[0]
            cases = conn.execute("SELECT max(id) FROM cases").fetchone()[0] or 0
        finally:
            conn.close()
        return meta if persons == n_persons and cases >= n_cases else None
    except (OSError, ValueError, sqlite3.Error):
        return None


# ---------------------------------------------------------------- checks and measurements


def verify(store: Store, rng: random.Random, n_persons: int, samples: int = 200) -> str:
    """Stored results equal a replay of the stored inputs; input ID numbers match the person row;
    receipt numbers are gapless per (office, year)."""
    checked = cases = 0
    for person_id in rng.sample(range(1, n_persons + 1), min(samples, n_persons)):
        person = store.query("SELECT id_number FROM persons WHERE id = ?", (person_id,))[0]
        groups = store.query("SELECT DISTINCT region, policy_year FROM cases WHERE person_id = ? AND void = 0",
                             (person_id,))
        for g in groups:
            _, results = replay(store.db, person_id, g["region"], g["policy_year"], store.book)
            stored = {r["id"]: r for r in store.query(
                "SELECT id, input, result FROM cases WHERE person_id = ? AND region = ? AND policy_year = ? AND void = 0",
                (person_id, g["region"], g["policy_year"]))}
            for case_id, result in results:
                row = stored[case_id]
                if json.loads(row["input"])["person"]["id_number"] != person["id_number"]:
                    raise SystemExit(f"case {case_id}: input ID number differs from the person's")
                if to_json_text(result.to_json()) != row["result"]:
                    raise SystemExit(f"case {case_id}: stored result differs from the replay")
                cases += 1
            checked += 1
    gaps = store.query("SELECT office, year, count(*) AS n, max(seq) AS top FROM receipts GROUP BY office, year "
                       "HAVING n != top")
    if gaps:
        raise SystemExit(f"receipt numbers have gaps: {gaps[:3]}")
    return f"{checked} person-years ({cases} cases) replay to their stored results; receipts gapless"


def drop_from_cache(path: Path) -> bool:
    """Evict the database files from the OS page cache (Linux), for a cold-start figure."""
    if not hasattr(os, "posix_fadvise"):
        return False
    for p in (path, path.with_name(path.name + "-wal")):
        if p.exists():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return True


def ms(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000


def timed(fn, args: list, budget: float = 30.0) -> list[float]:
    """Seconds per call; stops early (after at least 10 calls) once `budget` seconds are spent."""
    out = []
    begun = time.perf_counter()
    for a in args:
        start = time.perf_counter()
        fn(a)
        out.append(time.perf_counter() - start)
        if len(out) >= 10 and time.perf_counter() - begun > budget:
            break
    return out


def line(label: str, times: list[float], target: str | None = None, note: str = "") -> bool:
    med, p95 = ms(times)
    ok = True
    verdict = ""
    if target:
        ok = p95 <= TARGETS_MS[target]
        verdict = f"  target ≤ {TARGETS_MS[target]:.0f} ms: {'PASS' if ok else 'FAIL'}"
    print(f"{label:<44}{med:9.2f} ms median {p95:9.2f} ms p95  (n={len(times)}){verdict}{note}")
    return ok


def seconds_once(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def pragma(path: Path, sql: str) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        start = time.perf_counter()
        rows = conn.execute(sql).fetchall()
        took = time.perf_counter() - start
    finally:
        conn.close()
    if sql.endswith("check") and sql != "PRAGMA foreign_key_check" and [r[0] for r in rows] != ["ok"]:
        raise SystemExit(f"{sql}: {rows[:3]}")
    if sql == "PRAGMA foreign_key_check" and rows:
        raise SystemExit(f"{sql}: {len(rows)} violations")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "sanchong-bench-store"),
                    help="data folder holding the generated database (reused while its counts match)")
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--regenerate", action="store_true", help="build the database again even if cached")
    ap.add_argument("--seed", type=int, default=20230101)
    ap.add_argument("--reps", type=float, default=1.0, help="scale the number of repetitions")
    ap.add_argument("--no-backup", action="store_true",
                    help="skip timing the first open of a day (full integrity check and a backup copy of the database)")
    args = ap.parse_args()
    folder = Path(args.dir).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DB_NAME
    reps = lambda n: max(5, int(n * args.reps))  # noqa: E731

    meta = None if args.regenerate else cached(folder, args.cases, args.persons)
    if meta:
        print(f"data: reusing {path} (generated {meta['generated_at']} in {meta['generate_seconds']} s)")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.close()
        if version < LATEST:   # the schema moved on since: migrate now, so no figure below holds a migration
            before = set(store_backup.list_backups(folder))
            took = seconds_once(lambda: open_store(folder, daily_backup=False).close())
            for p in set(store_backup.list_backups(folder)) - before:
                p.unlink()
            print(f"data: migrated from schema {version} to {LATEST} in {took:.1f} s "
                  "(with the backup open_store makes first, removed again)")
    else:
        print(f"data: generating {args.cases:,} cases for {args.persons:,} persons in {folder} ...", flush=True)
        meta = generate(folder, args.cases, args.persons, args.seed)
        print(f"data: generated in {meta['generate_seconds']:.1f} s "
              f"(of which template {meta['template_seconds']:.1f} s)")

    size = path.stat().st_size
    wal = path.with_name(DB_NAME + "-wal")
    counts = {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    for table in ("persons", "person_identities", "cases", "receipts", "audit"):
        counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    try:
        objects = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 6").fetchall()
    except sqlite3.Error:
        objects = []
    conn.close()
    rng = random.Random(args.seed + counts["cases"])   # each run saves onto other persons than the last
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    print(f"database size: {size / 1e6:,.1f} MB ({size / max(1, counts['cases']):,.0f} bytes a case)"
          + (f", WAL {wal.stat().st_size / 1e6:,.1f} MB" if wal.exists() else ""))
    if objects:
        print("  largest: " + ", ".join(f"{name} {pages / 1e6:,.0f} MB" for name, pages in objects))

    # Opening: the store runs PRAGMA quick_check and PRAGMA foreign_key_check at every open.
    cold = []
    for _ in range(1 if counts["cases"] > 200_000 else 2):
        if drop_from_cache(path):
            cold.append(seconds_once(lambda: open_store(folder, daily_backup=False).close()))
    warm = [seconds_once(lambda: open_store(folder, daily_backup=False).close()) for _ in range(3)]
    if cold:
        line("open_store, file not in OS cache", cold)
    line("open_store (file cached; schema read, quick_check when ≤ 256 MB)", warm)
    if drop_from_cache(path):
        print(f"{'PRAGMA quick_check, file not in OS cache':<44}{pragma(path, 'PRAGMA quick_check') * 1000:9.0f} ms")
    for sql in ("PRAGMA quick_check", "PRAGMA foreign_key_check", "PRAGMA integrity_check"):
        print(f"{sql:<44}{pragma(path, sql) * 1000:9.0f} ms")
    if not args.no_backup:
        before = set(store_backup.list_backups(folder))
        took = seconds_once(lambda: open_store(folder, daily_backup=True).close())
        made = [p for p in store_backup.list_backups(folder) if p not in before]
        if made:
            print(f"{'first open of a day (integrity_check+backup)':<44}{took * 1000:9.0f} ms  "
                  f"(backup {made[0].stat().st_size / 1e6:,.0f} MB; {store_backup.KEEP_DAILY} dailies are kept)")
            for p in made:
                p.unlink()
        else:
            print("first open of a day: a daily backup of today already exists in the folder; not measured")

    store = open_store(folder, daily_backup=False)
    try:
        print("consistency: " + verify(store, rng, args.persons, samples=reps(200)))
        persons = rng.sample(range(1, args.persons + 1), min(args.persons, reps(3000)))
        ids = {r["id"]: r["id_number"] for r in store.query(
            "SELECT id, id_number FROM persons WHERE id IN (%s)" % ",".join(map(str, persons)))}
        groups = []     # (id number, year, non-void cases, region, office, last input) for the person's fullest year
        for person_id in persons[:reps(1500)]:
            rows = store.query("SELECT region, policy_year, count(*) AS n, max(id) AS last FROM cases "
                               "WHERE person_id = ? AND void = 0 GROUP BY region, policy_year ORDER BY n DESC LIMIT 1",
                               (person_id,))
            if rows and rows[0]["n"] >= 3:
                last = store.query("SELECT input, office FROM cases WHERE id = ?", (rows[0]["last"],))[0]
                groups.append((ids[person_id], rows[0]["policy_year"], rows[0]["n"], last["office"], last["input"]))
        print()
        results = {}
        find_ids = [ids[p] for p in persons]
        results["find"] = line("find_by_id_number", timed(lambda n: find_by_id_number(store.db, n), find_ids), "find")
        ledger_sample = groups[:reps(500)]
        avg = statistics.mean(g[2] for g in ledger_sample)
        results["ledger"] = line("year_ledger", timed(lambda g: year_ledger(store, g[0], g[1]), ledger_sample), "ledger",
                                 f"  [{avg:.1f} cases in the year on average]")
        line("list_cases(id_number=...)", timed(lambda n: list_cases(store, id_number=n), find_ids[:reps(500)]))

        save_sample = groups[:reps(200)]
        docs = [(json.loads(g[4]), g[3]) for g in save_sample]
        results["save"] = line("save_cases (one case, synchronous=FULL)",
                               timed(lambda d: save_cases(store, d[0], operator="基准测试", office=d[1]), docs), "save",
                               f"  [{statistics.mean(g[2] for g in save_sample) + 1:.1f} cases replayed]")
        store.conn.execute("PRAGMA synchronous = NORMAL")
        line("save_cases, synchronous=NORMAL (comparison)",
             timed(lambda d: save_cases(store, d[0], operator="基准测试", office=d[1]), docs[:reps(100)]))
        store.conn.execute("PRAGMA synchronous = FULL")

        print()
        # Where the year ledger's time goes: the replay of the person's year
        pid_of = {v: k for k, v in ids.items()}
        line("  replay (stored_year + calculate_case)", timed(
            lambda g: replay(store.db, pid_of[g[0]], json.loads(g[4])["region"], g[1], store.book), ledger_sample))

        print()
        name_sample = [r["name"] for r in store.query(
            "SELECT name FROM persons WHERE id IN (%s)" % ",".join(map(str, persons[:reps(50)])))]
        line("search_by_name (full name)", timed(lambda n: search_by_name(store.db, n), name_sample))
        line("list_cases(name=...)", timed(lambda n: list_cases(store, name=n), name_sample[:reps(20)]))
        line("list_cases(name=..., year=2024)", timed(lambda n: list_cases(store, name=n, year=2024), name_sample[:reps(20)]))
        line("early_warning_list(2024)", timed(lambda y: early_warning_list(store, y), [2024] * reps(5)))
    finally:
        store.close()
    print()
    print(f"targets at {counts['cases']:,} cases / {counts['persons']:,} persons (p95): "
          + ", ".join(f"{k} {'PASS' if v else 'FAIL'}" for k, v in results.items()))


if __name__ == "__main__":
    main()
