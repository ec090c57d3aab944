"""Alembic migrations, shipped inside the package so ``Database.migrate`` finds them."""
