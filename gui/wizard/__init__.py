"""新建结算: the settlement wizard."""
from .wizard import SettleWizard

__all__ = ["SettleWizard"]
