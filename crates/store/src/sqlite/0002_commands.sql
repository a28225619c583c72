-- govshare event store, SQLite schema version 2: the command is part of the record.
-- The command that produced an append, stored with its events and covered by their hashes (the
-- command digest); all four columns are NULL for appends that recorded no command.
ALTER TABLE govshare_commands ADD COLUMN command_type TEXT;
ALTER TABLE govshare_commands ADD COLUMN command_schema_version INTEGER;
ALTER TABLE govshare_commands ADD COLUMN command_payload TEXT;         -- canonical JSON, as hashed
ALTER TABLE govshare_commands ADD COLUMN command_issued_at_ns INTEGER; -- ns since the Unix epoch, UTC

-- `verify` walks the command records in position order alongside the events.
CREATE INDEX govshare_commands_first_position ON govshare_commands (first_position);
