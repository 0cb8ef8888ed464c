"""The mapping file resources/settlements/national-settlement-list.yaml, loaded once: the national
field names and their usual Chinese headers, the med_type / insutype / hosp_lv dictionaries, where
every input comes from, and per region which disease lists make med_type 14 a 门诊特殊疾病."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..paths import resources_dir

FILE = "settlements/national-settlement-list.yaml"


@dataclass(frozen=True, slots=True)
class Mapping:
    source: str
    columns: dict[str, tuple[str, ...]]     # field → accepted headers (the field name itself included)
    what: dict[str, str]                    # field → its description
    med_type: dict[str, tuple[str, str]]    # code → (name, kind)
    med_type_refused: dict[str, str]
    insutype: dict[str, tuple[str, str]]    # code → (name, insurance)
    insutype_refused: dict[str, str]
    hosp_lv: dict[str, int | None]
    disease_codes: dict[str, str]
    inputs: dict[str, str]
    defaults: tuple[str, ...]
    special_lists: dict[str, tuple[str, ...]]   # region → disease-list parameters making 14 门诊特殊疾病
    own_export_headers: tuple[str, ...]

    def code_of(self, table: str, value: Any) -> str | None:
        """A code column's value as the dictionary writes it ("14", "310"), from a code, a number
        cell (14.0) or the name ("门诊慢特病"); None when it is none of them."""
        names = {"med_type": self.med_type, "insutype": self.insutype}[table]
        refused = {"med_type": self.med_type_refused, "insutype": self.insutype_refused}[table]
        text = str(value).strip()
        if re.fullmatch(r"[0-9]+\.0+", text):
            text = text.split(".")[0]
        if text in names or text in refused:
            return text
        for code, (name, _) in names.items():
            if text == name:
                return code
        return None


def _headers(field: str, spec: dict) -> tuple[str, ...]:
    return (field, *spec.get("headers", ()))


@lru_cache(maxsize=1)
def mapping() -> Mapping:
    import yaml

    raw = yaml.safe_load((resources_dir() / FILE).read_text(encoding="utf-8"))
    codes = raw["hosp_lv"]["codes"]
    return Mapping(
        source=raw["source"]["name"],
        columns={f: _headers(f, spec) for f, spec in raw["columns"].items()},
        what={f: spec["what"] for f, spec in raw["columns"].items()},
        med_type={str(c): (v["name"], v["kind"]) for c, v in raw["med_type"].items()},
        med_type_refused={str(c): v for c, v in raw["med_type_refused"].items()},
        insutype={str(c): (v["name"], v["insurance"]) for c, v in raw["insutype"].items()},
        insutype_refused={str(c): v for c, v in raw["insutype_refused"].items()},
        hosp_lv={str(c): (None if v is None else int(v)) for c, v in codes.items()},
        disease_codes={str(c): str(n) for c, n in (raw.get("disease_codes") or {}).items()},
        inputs=dict(raw["inputs"]),
        defaults=tuple(raw["defaults"]),
        special_lists={r: tuple(v.get("chronic_special_lists") or ()) for r, v in raw["regions"].items()},
        own_export_headers=tuple(raw["own_export_headers"]),
    )


def header_key(text: Any) -> str:
    """A header as compared: spaces gone, a bracketed field name after it dropped ("医疗费总额（medfee_sumamt）"
    is 医疗费总额 and also medfee_sumamt: both are tried)."""
    return re.sub(r"\s+", "", str(text or ""))


def find_columns(header: list[Any]) -> dict[str, int]:
    """Field → column index, for the header row's cells the mapping names (first match wins)."""
    m = mapping()
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = header_key(cell)
        bracket = re.fullmatch(r"(.*?)[（(]([A-Za-z_]+)[)）]", text)
        tries = [text] + ([bracket[1], bracket[2]] if bracket else [])
        for field, options in m.columns.items():
            if field not in found and any(t in options or t.lower() == field for t in tries):
                found[field] = i
                break
    return found


def is_own_export(header: list[Any]) -> bool:
    """The header row of this program's own export (two of its own columns)."""
    texts = {re.sub(r"[（(].*$", "", header_key(h)) for h in header}
    return sum(1 for h in mapping().own_export_headers if h in texts) >= 2


def level_of(code: Any, words: Any) -> tuple[bool, int | None]:
    """(known, level) from the hosp_lv code or the level in words (三级甲等 → 3, 一级 → 1, 未定级 → None)."""
    m = mapping()
    if code not in (None, ""):
        text = str(code).strip()
        if re.fullmatch(r"[0-9]+(\.0+)?", text):
            text = f"{int(float(text)):02d}"
        if text in m.hosp_lv:
            return True, m.hosp_lv[text]
    if words not in (None, ""):
        text = header_key(words)
        if text in ("未定级", "无等级", "未评级", "无"):
            return True, None
        first = {"一": 1, "二": 2, "三": 3, "1": 1, "2": 2, "3": 3}.get(text[:1])
        if first is not None and (len(text) == 1 or text[1:2] in ("级", "甲", "乙", "丙", "特")):
            return True, first
    return False, None
