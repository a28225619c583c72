-- govshare event store, SQLite schema version 1.
CREATE TABLE govshare_events (
    position         INTEGER PRIMARY KEY,      -- global position, dense from 1
    aggregate_type   TEXT    NOT NULL,
    aggregate_id     TEXT    NOT NULL,
    sequence         INTEGER NOT NULL,         -- per-stream, dense from 1
    event_type       TEXT    NOT NULL,
    schema_version   INTEGER NOT NULL,
    payload          TEXT    NOT NULL,         -- canonical JSON, exactly the hashed bytes
    event_id         BLOB    NOT NULL UNIQUE,  -- 16-byte UUID
    command_id       BLOB    NOT NULL,
    correlation_id   BLOB    NOT NULL,
    causation_id     BLOB,
    actor_department TEXT    NOT NULL,
    actor_person     TEXT    NOT NULL,
    actor_role       TEXT    NOT NULL,
    rule_set_id      TEXT,
    rule_set_version TEXT,
    recorded_at_ns   INTEGER NOT NULL,         -- nanoseconds since 1970-01-01T00:00:00Z
    hash             BLOB    NOT NULL,         -- SHA-256 chain hash
    UNIQUE (aggregate_type, aggregate_id, sequence)
) STRICT;

CREATE TABLE govshare_commands (
    command_id     BLOB    PRIMARY KEY,
    aggregate_type TEXT    NOT NULL,
    aggregate_id   TEXT    NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL,
    stream_version INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE govshare_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL,
    hash     BLOB    NOT NULL
) STRICT;
INSERT INTO govshare_head (id, position, hash) VALUES (1, 0, zeroblob(32));

CREATE TABLE govshare_snapshots (
    aggregate_type TEXT    NOT NULL,
    aggregate_id   TEXT    NOT NULL,
    sequence       INTEGER NOT NULL,
    state_version  INTEGER NOT NULL,
    state          TEXT    NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
) STRICT, WITHOUT ROWID;

-- The log is append-only; these guard against accidents. Deliberate tampering is caught by the
-- hash chain.
CREATE TRIGGER govshare_events_no_update BEFORE UPDATE ON govshare_events
BEGIN SELECT RAISE(ABORT, 'govshare_events is append-only'); END;
CREATE TRIGGER govshare_events_no_delete BEFORE DELETE ON govshare_events
BEGIN SELECT RAISE(ABORT, 'govshare_events is append-only'); END;
CREATE TRIGGER govshare_commands_no_update BEFORE UPDATE ON govshare_commands
BEGIN SELECT RAISE(ABORT, 'govshare_commands is append-only'); END;
CREATE TRIGGER govshare_commands_no_delete BEFORE DELETE ON govshare_commands
BEGIN SELECT RAISE(ABORT, 'govshare_commands is append-only'); END;
