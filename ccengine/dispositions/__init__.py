"""Dispositions: the reason codes an agent picks at wrap-up, counted in reports."""
