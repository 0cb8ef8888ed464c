"""The office's reports: 日结 (day.py, written by day_files.py) and the month report to the district
(month.py). They read the case store; the window and `python -m engine cases` reach them through
the office (engine/office)."""
