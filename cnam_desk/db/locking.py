"""The names both the engine and the migrations use to take the one writer's lock."""

# PostgreSQL: one writer at a time, as SQLite's BEGIN IMMEDIATE gives; the key is "cnamdesk".
WRITER_LOCK_KEY = int.from_bytes(b"cnamdesk", "big")
# Execution option: False opens a read-only transaction (SQLite: plain BEGIN, no write lock).
WRITE_OPTION = "cnam_desk_write"
