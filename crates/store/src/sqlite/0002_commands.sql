-- govshare event store, SQLite schema version 2: command records are checked against the log.
-- `verify` walks the command records in position order alongside the events.
CREATE INDEX govshare_commands_first_position ON govshare_commands (first_position);
