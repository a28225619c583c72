-- govshare event store, PostgreSQL schema version 2: the command is part of the record.
-- The command that produced an append, stored with its events and covered by their hashes (the
-- command digest); all four columns are NULL for appends that recorded no command.
ALTER TABLE govshare_commands
    ADD COLUMN command_type           text,
    ADD COLUMN command_schema_version bigint,
    ADD COLUMN command_payload        text,    -- canonical JSON, exactly the hashed bytes (not jsonb)
    ADD COLUMN command_issued_at_ns   bigint;  -- nanoseconds since 1970-01-01T00:00:00Z

-- `verify` walks the command records in position order alongside the events.
CREATE INDEX govshare_commands_first_position ON govshare_commands (first_position);
