// PlatformSchema: the platform's append-only migration list and the one way to open a platform
// database (migrate, then make sure the `default` workspace exists). Tables are STRICT so a
// wrong type is an error, not a silent coercion; timestamps are integer Unix milliseconds.
// New migrations are appended, never edited.

import Glibc
import Storage

/// The platform tables and their migrations.
public enum PlatformSchema {
    /// Every migration, in order (`version` = position + 1).
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "workspaces and api keys", sql: """
            CREATE TABLE workspaces (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) STRICT;

            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces(id),
                name TEXT NOT NULL,
                prefix TEXT NOT NULL,
                secret_hash BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
                scopes TEXT NOT NULL CHECK (scopes <> ''),
                agent_ids TEXT,
                expires_at INTEGER,
                created_at INTEGER NOT NULL,
                last_used_at INTEGER,
                revoked_at INTEGER
            ) STRICT;

            -- secret_hash UNIQUE already gives the authentication lookup its index.
            CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, created_at);
            """),
        Migration(version: 2, name: "domain: agents, upstreams, credentials, sessions, runs, events, approvals, audit", sql: """
            -- Agents: the live row (status, current version, archive flag) plus every version's
            -- full configuration, so "get version N" and history never lose a field.
            CREATE TABLE agents (
                workspace_id TEXT NOT NULL REFERENCES workspaces(id),
                id TEXT NOT NULL,
                version INTEGER NOT NULL CHECK (version >= 1),
                status TEXT NOT NULL CHECK (status IN ('active', 'paused')),
                archived_at INTEGER,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (workspace_id, id)
            ) STRICT;

            CREATE TABLE agent_versions (
                workspace_id TEXT NOT NULL,
                agent_id TEXT NOT NULL,
                version INTEGER NOT NULL CHECK (version >= 1),
                config TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                created_by TEXT NOT NULL,
                PRIMARY KEY (workspace_id, agent_id, version),
                FOREIGN KEY (workspace_id, agent_id) REFERENCES agents (workspace_id, id)
            ) STRICT;

            CREATE TABLE upstream_servers (
                workspace_id TEXT NOT NULL REFERENCES workspaces(id),
                id TEXT NOT NULL,
                config TEXT NOT NULL,
                enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (workspace_id, id)
            ) STRICT;

            -- Credentials: the secret is stored sealed (see SecretBox), never returned.
            CREATE TABLE credentials (
                workspace_id TEXT NOT NULL REFERENCES workspaces(id),
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                sealed_secret BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                rotated_at INTEGER,
                PRIMARY KEY (workspace_id, name)
            ) STRICT;

            -- Which agents (current version of a live agent) and upstream servers reference which
            -- credential through `${credential:NAME}`; rewritten whenever the referrer changes.
            CREATE TABLE credential_refs (
                workspace_id TEXT NOT NULL,
                credential_name TEXT NOT NULL,
                referrer_kind TEXT NOT NULL CHECK (referrer_kind IN ('agent', 'server')),
                referrer_id TEXT NOT NULL,
                PRIMARY KEY (workspace_id, credential_name, referrer_kind, referrer_id)
            ) STRICT;
            CREATE INDEX credential_refs_by_referrer ON credential_refs (workspace_id, referrer_kind, referrer_id);

            CREATE TABLE sessions (
                id TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces(id),
                agent_id TEXT NOT NULL,
                agent_version INTEGER NOT NULL,
                user_reference TEXT NOT NULL,
                session_reference TEXT,
                status TEXT NOT NULL CHECK (status IN ('active', 'closed')),
                title TEXT,
                last_event_seq INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                deleted_at INTEGER
            ) STRICT;
            CREATE UNIQUE INDEX sessions_by_reference ON sessions (workspace_id, agent_id, session_reference)
                WHERE session_reference IS NOT NULL AND deleted_at IS NULL;
            CREATE INDEX sessions_by_workspace ON sessions (workspace_id, updated_at);

            CREATE TABLE runs (
                id TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces(id),
                session_id TEXT NOT NULL REFERENCES sessions(id),
                agent_id TEXT NOT NULL,
                agent_version INTEGER NOT NULL,
                trigger TEXT NOT NULL CHECK (trigger IN ('mcp', 'cli', 'api', 'webhook')),
                status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'completed', 'failed', 'cancelled')),
                input TEXT NOT NULL,
                output TEXT,
                steps INTEGER NOT NULL DEFAULT 0,
                tokens_in INTEGER NOT NULL DEFAULT 0,
                tokens_out INTEGER NOT NULL DEFAULT 0,
                error TEXT,
                created_at INTEGER NOT NULL,
                started_at INTEGER,
                finished_at INTEGER,
                updated_at INTEGER NOT NULL
            ) STRICT;
            CREATE INDEX runs_by_session ON runs (session_id, created_at);
            CREATE INDEX runs_by_workspace ON runs (workspace_id, created_at);
            CREATE INDEX runs_by_status ON runs (status) WHERE status IN ('queued', 'running', 'paused');

            -- Events: append-only, numbered per session without gaps (1, 2, 3, …).
            CREATE TABLE events (
                session_id TEXT NOT NULL REFERENCES sessions(id),
                seq INTEGER NOT NULL CHECK (seq >= 1),
                workspace_id TEXT NOT NULL,
                run_id TEXT,
                type TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (session_id, seq)
            ) STRICT, WITHOUT ROWID;
            CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
            CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

            CREATE TABLE approvals (
                id TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces(id),
                run_id TEXT NOT NULL REFERENCES runs(id),
                agent_id TEXT NOT NULL,
                tool_call_id TEXT NOT NULL,
                server_id TEXT,
                tool_name TEXT NOT NULL,
                arguments TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
                approved_arguments TEXT,
                decided_by TEXT,
                decided_at INTEGER,
                reason TEXT,
                expires_at INTEGER NOT NULL,
                created_at INTEGER NOT NULL
            ) STRICT;
            CREATE INDEX approvals_by_run ON approvals (run_id);
            CREATE INDEX approvals_pending ON approvals (workspace_id, status, created_at);

            -- Audit: one hash chain over every record of every workspace. `seq` has no gaps and
            -- each row stores the previous row's hash; `audit_head` holds the last (seq, hash) so
            -- that truncating the tail is detected too.
            CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY NOT NULL CHECK (seq >= 1),
                workspace_id TEXT NOT NULL,
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                origin TEXT NOT NULL,
                action TEXT NOT NULL,
                target_kind TEXT,
                target_id TEXT,
                outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
                detail TEXT,
                prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
                hash BLOB NOT NULL CHECK (length(hash) = 32)
            ) STRICT;
            CREATE INDEX audit_by_workspace ON audit_log (workspace_id, seq);
            CREATE TABLE audit_head (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                seq INTEGER NOT NULL,
                hash BLOB NOT NULL
            ) STRICT;
            """),
        Migration(version: 3, name: "model providers", sql: """
            -- Model providers an agent's `provider/model` names. API keys are references (an
            -- environment variable or a vault credential), never stored here.
            CREATE TABLE model_providers (
                workspace_id TEXT NOT NULL REFERENCES workspaces(id),
                id TEXT NOT NULL,
                config TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (workspace_id, id)
            ) STRICT;
            """),
        Migration(version: 4, name: "indexes for expiring approvals and session lists", sql: """
            -- expireDue scans pending approvals of every workspace by expiry.
            CREATE INDEX approvals_due ON approvals (expires_at) WHERE status = 'pending';
            -- Session lists are ordered newest first by creation time.
            CREATE INDEX sessions_by_created ON sessions (workspace_id, created_at, id);
            """),
        Migration(version: 5, name: "per-key rate limits", sql: """
            -- Requests per minute this key may make (a token bucket refilled continuously); NULL
            -- means the server's default.
            ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute INTEGER
                CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute BETWEEN 1 AND 1000000);
            """),
        Migration(version: 6, name: "events by run", sql: """
            -- A run's events are read by (session, run, seq); without this index every read of a
            -- run scanned its whole session, so long sessions made each new run slower.
            CREATE INDEX events_by_run ON events (session_id, run_id, seq);
            """),
        Migration(version: 7, name: "run and approval list indexes", sql: """
            -- Run lists filtered by agent (list_runs, `runs list --agent`), newest first.
            CREATE INDEX runs_by_agent ON runs (workspace_id, agent_id, created_at);
            -- Approval lists without a status or run filter, newest first.
            CREATE INDEX approvals_by_workspace_created ON approvals (workspace_id, created_at);
            """),
        Migration(version: 8, name: "approvals of gateway calls", sql: """
            -- A gateway call of a `request_confirmation` tool asks for an approval without a run:
            -- `run_id` becomes optional and `requested_by` names the caller that asked (SQLite
            -- drops a NOT NULL only by rebuilding the table). Every approval has one or the other.
            CREATE TABLE approvals_v8 (
                id TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces(id),
                run_id TEXT REFERENCES runs(id),
                requested_by TEXT,
                agent_id TEXT NOT NULL,
                tool_call_id TEXT NOT NULL,
                server_id TEXT,
                tool_name TEXT NOT NULL,
                arguments TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
                approved_arguments TEXT,
                decided_by TEXT,
                decided_at INTEGER,
                reason TEXT,
                expires_at INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                CHECK (run_id IS NOT NULL OR requested_by IS NOT NULL)
            ) STRICT;
            INSERT INTO approvals_v8
                (id, workspace_id, run_id, agent_id, tool_call_id, server_id, tool_name, arguments, status,
                 approved_arguments, decided_by, decided_at, reason, expires_at, created_at)
            SELECT id, workspace_id, run_id, agent_id, tool_call_id, server_id, tool_name, arguments, status,
                   approved_arguments, decided_by, decided_at, reason, expires_at, created_at
            FROM approvals;
            DROP TABLE approvals;
            ALTER TABLE approvals_v8 RENAME TO approvals;
            CREATE INDEX approvals_by_run ON approvals (run_id);
            CREATE INDEX approvals_pending ON approvals (workspace_id, status, created_at);
            CREATE INDEX approvals_due ON approvals (expires_at) WHERE status = 'pending';
            CREATE INDEX approvals_by_workspace_created ON approvals (workspace_id, created_at);
            """),
        Migration(version: 9, name: "approvals are spent once", sql: """
            -- A gateway call's approval allows one call: `used_at` is set when that call is sent,
            -- so a replayed retry of the same request (its sealed state names the approval) is
            -- refused instead of calling the tool again.
            ALTER TABLE approvals ADD COLUMN used_at INTEGER;
            """),
    ]

    /// Opens (creating if needed) the platform database at `path`, applies the migrations and
    /// creates the `default` workspace if it does not exist yet (idempotent).
    public static func open(
        path: String,
        configuration: DatabaseConfiguration = .init(),
        clock: WallClock = .system
    ) throws -> Database {
        // The file holds key hashes and sealed secrets: create it private (SQLite gives the -wal
        // and -shm files the same mode). An existing file keeps the mode its owner chose.
        if !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") {
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd) }
        }
        let database = try Database.open(path: path, configuration: configuration, migrations: migrations)
        try WorkspaceStore(database: database, clock: clock).ensureDefault()
        return database
    }
}
