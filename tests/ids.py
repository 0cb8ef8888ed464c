"""Valid resident identity numbers for tests (GB 11643 checksum through python-stdnum)."""
from stdnum.cn import ric


def valid_id(birth: str = "1980-01-01", seq: int = 1, area: str = "420102") -> str:
    first17 = area + birth.replace("-", "") + f"{seq % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")  # the function skips the last character
