"""Cnam Desk: the exam office's desk (calendar, requests, letters, results)."""

__version__ = "0.1.0"
