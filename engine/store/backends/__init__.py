"""Other database servers behind the store's interface (SQLite, in engine/store/database.py, is the default)."""
