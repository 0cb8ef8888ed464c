"""PySide6 views of 三重保障计算器; they call the engine and hold no rules."""
