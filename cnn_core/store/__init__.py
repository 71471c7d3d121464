"""Storage: workspaces, runs and rooms in a SQL database (SQLite or PostgreSQL) through SQLAlchemy, its
Alembic migrations, and runs as data. The only code that touches the database."""
