"""大写 amounts, worked by hand from 《正确填写票据和结算凭证的基本规定》."""
from decimal import Decimal

import pytest

from engine.receipt.capitals import capitals

CASES = {
    "0": "零元整",
    "0.00": "零元整",
    "0.01": "壹分",
    "0.50": "伍角",
    "0.55": "伍角伍分",
    "1": "壹元整",
    "1.05": "壹元零伍分",
    "10": "壹拾元整",
    "10.50": "壹拾元零伍角",
    "15": "壹拾伍元整",
    "100": "壹佰元整",
    "101": "壹佰零壹元整",
    "110": "壹佰壹拾元整",
    "325.04": "叁佰贰拾伍元零肆分",
    "1409.50": "壹仟肆佰零玖元伍角",
    "1680.32": "壹仟陆佰捌拾元零叁角贰分",
    "6007.14": "陆仟零柒元壹角肆分",
    "10000": "壹万元整",
    "10010": "壹万零壹拾元整",
    "12345.67": "壹万贰仟叁佰肆拾伍元陆角柒分",
    "100005.00": "壹拾万零伍元整",
    "107000.53": "壹拾万柒仟元零伍角叁分",
    "1000000.00": "壹佰万元整",
    "1234567.89": "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分",
    "10001000": "壹仟万壹仟元整",
    "10000100": "壹仟万零壹佰元整",
    "20300000": "贰仟零叁拾万元整",
    "100000000": "壹亿元整",
    "100010000": "壹亿零壹万元整",
    "100000001": "壹亿零壹元整",
    "30000.00": "叁万元整",
    "16800.00": "壹万陆仟捌佰元整",
}


@pytest.mark.parametrize("amount, text", CASES.items())
def test_capitals(amount, text):
    assert capitals(Decimal(amount)) == text


@pytest.mark.parametrize("bad", ["-1", "0.001", "1.005"])
def test_bad_amounts(bad):
    with pytest.raises(ValueError):
        capitals(Decimal(bad))


def test_floats_are_refused():
    with pytest.raises(TypeError):
        capitals(1.5)
