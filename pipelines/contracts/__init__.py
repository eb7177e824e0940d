"""Contracts between stages that no single stage may own alone: each is declared once here and imported
by the stages on both sides (the township workbook: written by export, read back by feedback)."""
