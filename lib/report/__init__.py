"""Reporting: the figures, the Excel workbook, the run information and the comparison of two runs.

May import every layer below it (valuation, planning, model, the level-1 packages, core); never lib.chain.
"""
