"""Users, their roles, login sessions and API tokens for integrations."""
