"""How the window reads what a clerk types: amounts in the usual notations, diseases by pinyin initials."""
from decimal import Decimal

import pytest

from gui.amount_text import parse_amount_text
from engine.pinyin import initials, matches


@pytest.mark.parametrize("text, value", [
    ("12345.67", "12345.67"), ("12,345.6", "12345.60"), ("1.2万", "12000.00"), ("¥3,000", "3000.00"),
    ("１２３．４", "123.40"), ("0", "0.00"), ("5000元", "5000.00"), ("1.23456万", "12345.60"), (" 88 ", "88.00"),
    ("3千", "3000.00"),
])
def test_amounts(text, value):
    assert parse_amount_text(text) == Decimal(value)


@pytest.mark.parametrize("text, reason", [
    ("", "请填写金额"), ("abc", "不是金额"), ("-5", "负数"), ("0.005", "两位小数"), ("1.2.3", "不是金额"), ("万", "不是金额"),
])
def test_bad_amounts(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_amount_text(text)


def test_pinyin_initials():
    assert initials("尿毒症") == "ndz"
    assert initials("恶性肿瘤门诊放化疗") == "exzlmzfhl"
    assert matches("尿毒症", "NDZ") and matches("终末期肾病（尿毒症）", "尿毒") and matches("白血病", "bxb")
    assert not matches("白血病", "ndz")
