"""CSV files that open safely in a spreadsheet: moved to kernel.csv_export, which the
audit log's export uses too; kept here for the reports' imports."""

from kernel.csv_export import BOM, FORMULA_STARTS, csv_response, safe

__all__ = ["BOM", "FORMULA_STARTS", "csv_response", "safe"]
