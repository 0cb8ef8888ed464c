"""三重保障计算器 engine: policy data, the calculation, the case store (engine.store) and the receipt (engine.receipt).

Never imports Qt. `python -m engine calc CASE.json` is its command line.
"""
from .calculate import Result, Year, calculate, calculate_case, calculate_cases, parse_input
from .errors import InputError, PolicyDataError

__all__ = ["Result", "Year", "calculate", "calculate_case", "calculate_cases", "parse_input",
           "InputError", "PolicyDataError"]
