"""Grid work (网格化管理): visit ledgers matched to households, and the weekly report to townships."""

from pipelines.grid.report import grid_report_frames, write_grid_report

__all__ = ["grid_report_frames", "write_grid_report"]
