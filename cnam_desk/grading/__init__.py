"""Grades and results: the rules, grade entry, imports, session 2, publication and attestations."""
