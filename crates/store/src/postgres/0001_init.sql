-- govshare event store, PostgreSQL schema version 1.
CREATE TABLE govshare_events (
    position         bigint  PRIMARY KEY,      -- global position, dense from 1
    aggregate_type   text    NOT NULL,
    aggregate_id     text    NOT NULL,
    sequence         bigint  NOT NULL,         -- per-stream, dense from 1
    event_type       text    NOT NULL,
    schema_version   bigint  NOT NULL,
    payload          text    NOT NULL,         -- canonical JSON, exactly the hashed bytes (not jsonb)
    event_id         uuid    NOT NULL UNIQUE,
    command_id       uuid    NOT NULL,
    correlation_id   uuid    NOT NULL,
    causation_id     uuid,
    actor_department text    NOT NULL,
    actor_person     text    NOT NULL,
    actor_role       text    NOT NULL,
    rule_set_id      text,
    rule_set_version text,
    recorded_at_ns   bigint  NOT NULL,         -- nanoseconds since 1970-01-01T00:00:00Z
    hash             bytea   NOT NULL,         -- SHA-256 chain hash
    UNIQUE (aggregate_type, aggregate_id, sequence)
);

CREATE TABLE govshare_commands (
    command_id     uuid   PRIMARY KEY,
    aggregate_type text   NOT NULL,
    aggregate_id   text   NOT NULL,
    first_position bigint NOT NULL,
    last_position  bigint NOT NULL,
    stream_version bigint NOT NULL
);

-- One row; appenders lock it FOR UPDATE, which serialises position allocation across processes.
CREATE TABLE govshare_head (
    id       integer PRIMARY KEY CHECK (id = 1),
    position bigint  NOT NULL,
    hash     bytea   NOT NULL
);
INSERT INTO govshare_head (id, position, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE TABLE govshare_snapshots (
    aggregate_type text   NOT NULL,
    aggregate_id   text   NOT NULL,
    sequence       bigint NOT NULL,
    state_version  bigint NOT NULL,
    state          text   NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
);

-- The log is append-only; these guard against accidents. Deliberate tampering is caught by the
-- hash chain.
CREATE FUNCTION govshare_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER govshare_events_append_only BEFORE UPDATE OR DELETE ON govshare_events
    FOR EACH ROW EXECUTE FUNCTION govshare_append_only();
CREATE TRIGGER govshare_events_no_truncate BEFORE TRUNCATE ON govshare_events
    FOR EACH STATEMENT EXECUTE FUNCTION govshare_append_only();
CREATE TRIGGER govshare_commands_append_only BEFORE UPDATE OR DELETE ON govshare_commands
    FOR EACH ROW EXECUTE FUNCTION govshare_append_only();
