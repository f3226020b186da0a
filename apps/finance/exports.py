"""Reports as XLSX workbooks (written by ``core.reports``)."""

from core.reports import XLSX_TYPE, table_xlsx

__all__ = ["XLSX_TYPE", "table_xlsx"]
