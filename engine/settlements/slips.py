"""One settlement list read and checked row by row, without the database: each row becomes a
`Slip` or a rejection with its reason. A row whose amount would depend on a column the file does
not have is rejected, never given a silent default; only referral and in-district default (to
yes), and the slip says so (`defaults`) for the clerk to check."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterator

from .. import validate
from ..case import check_id_number
from ..errors import InputError
from ..money import ZERO
from ..policy import PolicyBook
from ..store.import_persons import parse_date, read_rows
from .mapping import find_columns, is_own_export, level_of, mapping

# the columns without which no row of the file can be told apart or put on a person: exit 2
IDENTIFYING = ("setl_id", "certno")
DEFAULT_NAMES = {"visit.referral": "转诊（缺省为规范转诊）", "visit.in_district": "就医地（缺省为县区内就医）"}


class Rejected(ValueError):
    """A row that cannot be imported; str() is the reason, in Chinese."""


@dataclass(frozen=True, slots=True)
class Slip:
    row: int                    # the row number in the file (the header is row 1)
    setl_id: str
    psn_no: str
    id_number: str
    name: str
    insurance: str
    med_type: str               # the code
    kind: str                   # a visit kind, or "outpatient_chronic_or_special" (med_type 14)
    date: dt.date
    total: Decimal
    policy_scope: Decimal
    basic_paid: Decimal
    critical_paid: Decimal
    assistance_paid: Decimal
    hospital_level: int | None
    diseases: tuple[str, ...]
    referral: bool
    in_province: bool
    in_district: bool
    hospital: str
    defaults: tuple[str, ...] = field(default=())   # inputs taken by default (visit.referral, visit.in_district)

    @property
    def marks(self) -> str:
        """What the clerk should check: the inputs computed on a default."""
        return "；".join(DEFAULT_NAMES[d] for d in self.defaults)


@dataclass
class Sheet:
    """The file's header and its data rows (row number, cells), read once."""
    path: Path
    columns: dict[str, int]
    rows: list[tuple[int, list[Any]]]


def read_sheet(path: str | Path) -> Sheet:
    """Read the whole file (xlsx, or csv in UTF-8, UTF-8 with BOM or GB18030). InputError (exit 2) when it
    cannot be read, is this program's own export, or has none of the columns that identify a row."""
    path = Path(path)
    rows = read_rows(path)
    try:
        first = next(rows, None)
        if first is None:
            raise InputError("FILE", f"{validate.shown(path.name, 60)} 是空文件", f"{validate.shown(path.name, 60)} is empty")
        header = first[0]
        if is_own_export(header):
            raise InputError("FILE", f"{validate.shown(path.name, 60)} 是本程序导出的报表（含回执号、倾斜救助等本程序的列），"
                             "其中的医疗救助是本程序算出的金额，不是医院已支付的金额；请导入医保信息平台导出的结算清单",
                             "this is the program's own export, not the insurer's settlement list")
        columns = find_columns(header)
        missing = [f for f in IDENTIFYING if f not in columns]
        if missing:
            names = "、".join(f"{mapping().columns[f][1]}（{f}）" for f in missing)
            raise InputError("FILE", f"{validate.shown(path.name, 60)} 的第一行表头没有可用的列：缺少 {names}；"
                             "请导出含结算ID和证件号码的结算清单",
                             f"the header row lacks {', '.join(missing)}: no usable column")
        data = [(n, row) for n, (row, _) in enumerate(rows, start=2) if any(v not in (None, "") for v in row)]
    except UnicodeDecodeError:
        raise InputError("FILE", f"{validate.shown(path.name, 60)} 的编码无法识别，请另存为 UTF-8 或 GB18030 的 CSV",
                         "cannot decode the file") from None
    return Sheet(path, columns, data)


def _cell(row: list[Any], cols: dict[str, int], name: str) -> Any:
    i = cols.get(name)
    if i is None or i >= len(row):
        return None
    value = row[i]
    if isinstance(value, str):
        value = value.strip().lstrip("\t").lstrip("'")
    return None if value == "" else value


def _need(row: list[Any], cols: dict[str, int], name: str, why: str) -> Any:
    if name not in cols:
        raise Rejected(f"文件没有“{mapping().columns[name][1]}”（{name}）列：{why}")
    value = _cell(row, cols, name)
    if value is None:
        raise Rejected(f"{mapping().columns[name][1]}（{name}）为空：{why}")
    return value


def _amount(row: list[Any], cols: dict[str, int], name: str, why: str = "金额按结算单计算") -> Decimal:
    value = _need(row, cols, name, why)
    label = f"{mapping().columns[name][1]}（{name}）"
    if isinstance(value, float):
        try:
            value = Decimal(repr(value))
        except InvalidOperation:
            raise Rejected(f"{label}“{validate.shown(value)}”不是金额") from None
        if value != value.quantize(Decimal("0.01")):
            raise Rejected(f"{label} {value} 超过两位小数")
        value = f"{value:.2f}"
    if isinstance(value, str) and re.fullmatch(r"-\s*[0-9,]+(\.[0-9]+)?", value) or (
            isinstance(value, (int, Decimal)) and not isinstance(value, bool) and value < 0):
        raise Rejected(f"{label}为负数（{validate.shown(value)}）：退费或冲销的结算不导入，请在原结算上处理")
    try:
        return validate.amount(value, name)
    except InputError as exc:
        raise Rejected(f"{label}：{exc.zh}") from None


def _optional_amount(row, cols, name) -> Decimal | None:
    return None if _cell(row, cols, name) is None else _amount(row, cols, name)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _yes_no(value: Any) -> bool | None:
    text = _text(value).upper()
    if text in ("1", "是", "Y", "YES", "TRUE", "已转诊", "有"):
        return True
    if text in ("0", "否", "N", "NO", "FALSE", "未转诊", "无"):
        return False
    return None


def parse_row(number: int, row: list[Any], cols: dict[str, int]) -> Slip:
    """One data row checked; Rejected with the reason."""
    m = mapping()
    setl_id = _text(_need(row, cols, "setl_id", "结算ID用于防止重复导入"))
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,60}", setl_id):
        raise Rejected(f"结算ID“{validate.shown(setl_id)}”格式不正确（应为字母、数字）")
    raw_id = _need(row, cols, "certno", "按证件号码找到已登记人员")
    if isinstance(raw_id, float):
        raise Rejected("证件号码被 Excel 存成了数字，末几位已丢失；请把该列设为文本后重新导出")
    try:
        id_number = check_id_number(_text(raw_id).upper(), "certno")
        name = validate.person_name(_text(_need(row, cols, "psn_name", "核对人员姓名")), "psn_name")
    except InputError as exc:
        raise Rejected(exc.zh) from None
    insu = m.code_of("insutype", _need(row, cols, "insutype", "险种决定基本医保和大病保险的计算"))
    if insu is None:
        raise Rejected(f"险种类型“{validate.shown(_cell(row, cols, 'insutype'))}”无法识别，可用：" +
                       "、".join(f"{c} {n}" for c, (n, _) in m.insutype.items()))
    if insu in m.insutype_refused:
        raise Rejected(f"险种类型 {insu} {m.insutype_refused[insu]}")
    insurance = m.insutype[insu][1]
    med = m.code_of("med_type", _need(row, cols, "med_type", "医疗类别决定救助方式"))
    if med is None:
        raise Rejected(f"未知医疗类别“{validate.shown(_cell(row, cols, 'med_type'))}”，可导入：" +
                       "、".join(f"{c} {n}" for c, (n, _) in m.med_type.items()))
    if med in m.med_type_refused:
        raise Rejected(f"医疗类别 {med} {m.med_type_refused[med]}")
    kind = m.med_type[med][1]
    try:
        day = parse_date(_need(row, cols, "setl_time", "结算日期决定适用文件和年度"))
    except ValueError as exc:
        raise Rejected(f"结算时间：{exc}") from None

    total = _amount(row, cols, "medfee_sumamt")
    scope = _amount(row, cols, "inscp_scp_amt")
    basic = _amount(row, cols, "hifp_pay")
    second = ("hifmi_pay", "居民大病保险由此列支付") if insurance == "resident" else ("hifob_pay", "职工大额医疗费用补助由此列支付")
    critical = _amount(row, cols, second[0], f"大病保险层{second[1]}")
    other = "hifob_pay" if second[0] == "hifmi_pay" else "hifmi_pay"
    critical += _optional_amount(row, cols, other) or ZERO
    maf = _amount(row, cols, "maf_pay", "一站式已支付的医疗救助从本次应付中扣除")
    _add_up(total, scope, basic + critical + maf, _optional_amount(row, cols, "fund_pay_sumamt"),
            _optional_amount(row, cols, "psn_pay"))

    level_known, level = level_of(_cell(row, cols, "hosp_lv"), _cell(row, cols, "hosp_lv_name"))
    if kind == "inpatient":
        if "hosp_lv" not in cols and "hosp_lv_name" not in cols:
            raise Rejected("文件没有“医院等级”（hosp_lv_name 或 hosp_lv）列：住院的基本医保和救助按医院等级计算")
        if not level_known:
            shown = _cell(row, cols, "hosp_lv_name") or _cell(row, cols, "hosp_lv")
            raise Rejected(f"医院等级“{validate.shown(shown)}”无法识别（应为 三级甲等、二级、一级 或代码）"
                           if shown is not None else "医院等级为空：住院的基本医保和救助按医院等级计算")
        if level is None:
            raise Rejected("医院为未定级（无等级）：住院的基本医保和救助按一、二、三级医院计算，请人工办理")
    diseases = _diseases(row, cols, kind)

    defaults = []
    referral = _yes_no(_cell(row, cols, "refl_flag")) if _cell(row, cols, "refl_flag") is not None else None
    if referral is None:
        if _cell(row, cols, "refl_flag") is not None:
            raise Rejected(f"转诊标志“{validate.shown(_cell(row, cols, 'refl_flag'))}”无法识别（应为 1/0 或 是/否）")
        referral = True
        defaults.append("visit.referral")
    insured_at, treated_at = _cell(row, cols, "insu_admdvs"), _cell(row, cols, "mdtrt_admdvs")
    if insured_at is None or treated_at is None:
        in_province = in_district = True
        defaults.append("visit.in_district")
    else:
        a, b = _text(insured_at)[:6], _text(treated_at)[:6]
        if not (re.fullmatch(r"[0-9]{6}", a) and re.fullmatch(r"[0-9]{6}", b)):
            raise Rejected(f"医保区划“{validate.shown(insured_at)}”“{validate.shown(treated_at)}”应为6位数字代码")
        in_district, in_province = a == b, a[:2] == b[:2]
    hospital = _text(_cell(row, cols, "fixmedins_name") or "")[:60]
    return Slip(number, setl_id, _text(_cell(row, cols, "psn_no") or ""), id_number, name, insurance, med, kind, day,
                total, scope, basic, critical, maf, level, diseases, referral, in_province, in_district, hospital,
                tuple(defaults))


def _add_up(total: Decimal, scope: Decimal, funds: Decimal, fund_sum: Decimal | None, psn_pay: Decimal | None) -> None:
    if scope > total:
        raise Rejected(f"金额不符：符合政策范围金额 {scope} 大于医疗费总额 {total}")
    if fund_sum is not None and fund_sum < funds:
        raise Rejected(f"金额不符：基金支付总额 {fund_sum} 小于统筹、大病、大额、医疗救助支出之和 {funds}")
    if fund_sum is not None and psn_pay is not None and fund_sum + psn_pay != total:
        raise Rejected(f"金额不符：基金支付总额 {fund_sum} + 个人支付金额 {psn_pay} = {fund_sum + psn_pay}，"
                       f"不等于医疗费总额 {total}")
    if psn_pay is not None and funds + psn_pay > total:
        raise Rejected(f"金额不符：各项基金支出 {funds} + 个人支付金额 {psn_pay} 超过医疗费总额 {total}")


def _diseases(row: list[Any], cols: dict[str, int], kind: str) -> tuple[str, ...]:
    """The diseases named by dise_name, or by dise_codg through the mapping's code table. An inpatient stay
    and med_type 14 depend on the disease: a file with neither column is refused for them."""
    names = _cell(row, cols, "dise_name")
    codes = _cell(row, cols, "dise_codg")
    if "dise_name" not in cols and "dise_codg" not in cols:
        if kind == "outpatient_general":
            return ()
        raise Rejected("文件没有“病种名称”（dise_name）或“病种编码”（dise_codg）列：住院和门诊慢特病的救助按病种计算")
    out: list[str] = []
    if names is not None:
        out += [n.strip() for n in re.split(r"[、,，;；|]", _text(names)) if n.strip()]
    elif codes is not None:
        table = mapping().disease_codes
        for code in (c.strip() for c in re.split(r"[、,，;；|]", _text(codes)) if c.strip()):
            out.append(table.get(code, code))
    for name in out:
        if len(name) > 60:
            raise Rejected(f"病种名称过长（{len(name)} 字）：{validate.shown(name)}")
    return tuple(dict.fromkeys(out))


def kind_for(slip: Slip, region: str, book: PolicyBook) -> str:
    """The visit kind of a slip in a region: med_type 14 is 门诊特殊疾病 when a disease is on one of the
    region's lists named in the mapping file, else 门诊慢性病."""
    if slip.kind != "outpatient_chronic_or_special":
        return slip.kind
    ps = book.params_for(region, slip.date)
    for name in mapping().special_lists.get(region, ()):
        if any(d in (ps.values.get(name) or ()) for d in slip.diseases):
            return "outpatient_special"
    return "outpatient_chronic"


def case_doc(slip: Slip, region: str, book: PolicyBook, identities: list[str], rural: bool | None) -> dict[str, Any]:
    """The case (case-format.md) of a slip for a person with these identities on the settlement date."""
    person: dict[str, Any] = {"id_number": slip.id_number, "name": slip.name, "identities": identities,
                              "insurance": slip.insurance}
    if rural is not None:
        person["rural"] = rural
    visit: dict[str, Any] = {"kind": kind_for(slip, region, book), "referral": slip.referral,
                             "in_province": slip.in_province, "in_district": slip.in_district,
                             "diseases": list(slip.diseases)}
    if slip.hospital_level is not None:
        visit["hospital_level"] = slip.hospital_level
    return {"region": region, "date": slip.date.isoformat(), "person": person, "visit": visit,
            "amounts": {"total": f"{slip.total:.2f}", "policy_scope": f"{slip.policy_scope:.2f}",
                        "basic_paid": f"{slip.basic_paid:.2f}", "critical_paid": f"{slip.critical_paid:.2f}",
                        "assistance_paid": f"{slip.assistance_paid:.2f}"}}


def parse_sheet(sheet: Sheet) -> Iterator[tuple[int, Slip | Rejected]]:
    """Each data row: its Slip, or why it is rejected (a settlement ID twice in the file: the later rows)."""
    seen: dict[str, int] = {}
    for number, row in sheet.rows:
        try:
            slip = parse_row(number, row, sheet.columns)
        except Rejected as exc:
            yield number, exc
            continue
        if slip.setl_id in seen:
            yield number, Rejected(f"结算ID {slip.setl_id} 在文件中重复（第 {seen[slip.setl_id]} 行已有）")
            continue
        seen[slip.setl_id] = number
        yield number, slip
