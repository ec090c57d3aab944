"""QA review of calls: scores against configurable criteria."""
