"""Automation rules ("akcje systemu"): ordered rules that act on tickets when something
happens to them, and the time each ticket spends in each status."""
