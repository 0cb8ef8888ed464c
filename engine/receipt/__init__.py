"""The receipt a resident takes home (ReportLab, no Qt): make.py builds its content from a
saved case or a trial, document.py lays it out. ReportLab is imported only when a receipt is
made, so `python -m engine calc` stays light."""
