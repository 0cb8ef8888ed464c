"""What the reports say about review (maker-checker, engine/store/review.py): when review was
switched off (设置, a 管理员 of a single-account office) during the report's period, from when
and until when, read from the audit log's switch records (action `settings`, engine.store.review.set_review)."""
from __future__ import annotations

from ..store.database import Store

OFF, ON = "关闭审核", "开启审核"


def review_off_periods(store: Store, start: str, end: str) -> list[tuple[str, str | None]]:
    """(from, until) of each spell of review switched off that overlaps [start, end) (ISO times or
    dates, compared as text like every recorded time); until is None while it is still off."""
    spells: list[tuple[str, str | None]] = []
    since: str | None = None
    for row in store.query("SELECT at, detail FROM audit WHERE action = 'settings' ORDER BY id"):
        if row["detail"].startswith(OFF) and since is None:
            since = row["at"]
        elif row["detail"].startswith(ON) and since is not None:
            spells.append((since, row["at"]))
            since = None
    if since is not None:
        spells.append((since, None))
    return [(a, b) for a, b in spells if a < end and (b is None or b > start)]


def _time(at: str) -> str:
    return at[:16].replace("T", " ")


def review_note(store: Store, start: str, end: str) -> str:
    """The sentence a report carries when review was off during its period; "" when it was on throughout."""
    spells = review_off_periods(store, start, end)
    if not spells:
        return ""
    parts = [f"自 {_time(a)} 起" + (f"至 {_time(b)}" if b else "（至今未重新开启）") for a, b in spells]
    return ("注意：本期间审核曾关闭：" + "；".join(parts) +
            "。其间保存的案件记为免审，未经经办人以外的另一账户审核。")
