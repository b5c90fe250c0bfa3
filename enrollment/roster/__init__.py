"""The roster machinery (人员手册): read a file, normalise and check every row, write at COPY speed,
and the workbooks a clerk downloads. Nothing here is a use case and nothing imports the services:
the use cases that run it (import a file, add a person, renew last period's list) are in
``enrollment.services.rosters``.
"""

from enrollment.roster.reading import LABELS
from enrollment.roster.rules import ERROR_CODES
from enrollment.roster.validate import group_errors
from enrollment.roster.workbooks import annotate_workbook, roster_template
from mutualaid.lib.sheet_import import RowError, UnreadableFile

__all__ = [
    "ERROR_CODES",
    "LABELS",
    "RowError",
    "UnreadableFile",
    "annotate_workbook",
    "group_errors",
    "roster_template",
]
