/**
 * The one migration history. Each step has the SQL for every backend (the step numbers are shared);
 * a backend applies the steps it has not recorded, in order, each in its own transaction.
 *
 * PostgreSQL notes: text columns use the "C" collation so ordering and lower() match SQLite's
 * (binary order, ASCII case folding); epochs are BIGINT (pg returns them as strings, the store
 * converts); JSON stays in TEXT columns as in SQLite; the sealing-key secret is BYTEA.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sqlite: string
  readonly postgres: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'identity plane',
    sqlite: `
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY, alg TEXT NOT NULL, private_jwk TEXT NOT NULL, public_jwk TEXT NOT NULL,
        created_at INTEGER NOT NULL, retired_at INTEGER);
      CREATE TABLE sealing_keys (id TEXT PRIMARY KEY, secret BLOB NOT NULL, created_at INTEGER NOT NULL, retired_at INTEGER);
      CREATE TABLE oidc_providers (
        arn TEXT PRIMARY KEY, account TEXT NOT NULL, url TEXT NOT NULL, client_ids TEXT NOT NULL,
        thumbprints TEXT NOT NULL, tags TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE roles (
        arn TEXT PRIMARY KEY, account TEXT NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL, role_id TEXT NOT NULL,
        trust_policy TEXT NOT NULL, description TEXT, max_session_duration INTEGER NOT NULL,
        boundary_arn TEXT, tags TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE UNIQUE INDEX roles_account_name ON roles (account, lower(name));
      CREATE TABLE role_policies (role_arn TEXT NOT NULL, name TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY (role_arn, name));
      CREATE TABLE managed_policies (
        arn TEXT PRIMARY KEY, account TEXT, name TEXT NOT NULL, path TEXT NOT NULL, policy_id TEXT NOT NULL,
        default_version TEXT NOT NULL, description TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        next_version INTEGER NOT NULL);
      CREATE TABLE policy_versions (
        policy_arn TEXT NOT NULL, version_id TEXT NOT NULL, document TEXT NOT NULL, created_at INTEGER NOT NULL,
        PRIMARY KEY (policy_arn, version_id));
      CREATE TABLE role_attachments (role_arn TEXT NOT NULL, policy_arn TEXT NOT NULL, PRIMARY KEY (role_arn, policy_arn));
      CREATE TABLE bindings (
        namespace TEXT NOT NULL, service_account TEXT NOT NULL, role_arn TEXT NOT NULL, audience TEXT,
        PRIMARY KEY (namespace, service_account));
      CREATE TABLE decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL,
        code TEXT, principal TEXT, role_arn TEXT, session_name TEXT, subject TEXT, namespace TEXT,
        service_account TEXT, source_ip TEXT, request_id TEXT, reason TEXT, detail TEXT);
      CREATE INDEX decisions_at ON decisions (at);
      CREATE INDEX decisions_role ON decisions (role_arn, at);
      CREATE INDEX decisions_subject ON decisions (subject, at);
    `,
    postgres: `
      CREATE TABLE settings (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE signing_keys (
        kid TEXT COLLATE "C" PRIMARY KEY, alg TEXT NOT NULL, private_jwk TEXT NOT NULL, public_jwk TEXT NOT NULL,
        created_at BIGINT NOT NULL, retired_at BIGINT);
      CREATE TABLE sealing_keys (id TEXT COLLATE "C" PRIMARY KEY, secret BYTEA NOT NULL, created_at BIGINT NOT NULL, retired_at BIGINT);
      CREATE TABLE oidc_providers (
        arn TEXT COLLATE "C" PRIMARY KEY, account TEXT COLLATE "C" NOT NULL, url TEXT NOT NULL, client_ids TEXT NOT NULL,
        thumbprints TEXT NOT NULL, tags TEXT NOT NULL, created_at BIGINT NOT NULL);
      CREATE TABLE roles (
        arn TEXT COLLATE "C" PRIMARY KEY, account TEXT COLLATE "C" NOT NULL, name TEXT COLLATE "C" NOT NULL,
        path TEXT COLLATE "C" NOT NULL, role_id TEXT NOT NULL, trust_policy TEXT NOT NULL, description TEXT,
        max_session_duration INTEGER NOT NULL, boundary_arn TEXT, tags TEXT NOT NULL, created_at BIGINT NOT NULL);
      CREATE UNIQUE INDEX roles_account_name ON roles (account, lower(name));
      CREATE TABLE role_policies (
        role_arn TEXT COLLATE "C" NOT NULL, name TEXT COLLATE "C" NOT NULL, document TEXT NOT NULL, PRIMARY KEY (role_arn, name));
      CREATE TABLE managed_policies (
        arn TEXT COLLATE "C" PRIMARY KEY, account TEXT COLLATE "C", name TEXT COLLATE "C" NOT NULL, path TEXT COLLATE "C" NOT NULL,
        policy_id TEXT NOT NULL, default_version TEXT COLLATE "C" NOT NULL, description TEXT, created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL, next_version INTEGER NOT NULL);
      CREATE TABLE policy_versions (
        policy_arn TEXT COLLATE "C" NOT NULL, version_id TEXT COLLATE "C" NOT NULL, document TEXT NOT NULL, created_at BIGINT NOT NULL,
        PRIMARY KEY (policy_arn, version_id));
      CREATE TABLE role_attachments (
        role_arn TEXT COLLATE "C" NOT NULL, policy_arn TEXT COLLATE "C" NOT NULL, PRIMARY KEY (role_arn, policy_arn));
      CREATE INDEX role_attachments_policy ON role_attachments (policy_arn);
      CREATE TABLE bindings (
        namespace TEXT COLLATE "C" NOT NULL, service_account TEXT COLLATE "C" NOT NULL, role_arn TEXT NOT NULL, audience TEXT,
        PRIMARY KEY (namespace, service_account));
      CREATE TABLE decisions (
        id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL,
        code TEXT, principal TEXT, role_arn TEXT, session_name TEXT, subject TEXT, namespace TEXT,
        service_account TEXT, source_ip TEXT, request_id TEXT, reason TEXT, detail TEXT);
      CREATE INDEX decisions_at ON decisions (at);
      CREATE INDEX decisions_role ON decisions (role_arn, at);
      CREATE INDEX decisions_subject ON decisions (subject, at);
    `,
  },
  {
    version: 2,
    name: 'pod identity associations',
    sqlite: `
      CREATE TABLE pod_identity_associations (
        association_id TEXT PRIMARY KEY, association_arn TEXT NOT NULL, cluster_name TEXT NOT NULL, namespace TEXT NOT NULL,
        service_account TEXT NOT NULL, role_arn TEXT NOT NULL, tags TEXT NOT NULL, created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL);
      CREATE UNIQUE INDEX pod_identity_associations_subject ON pod_identity_associations (cluster_name, namespace, service_account);
    `,
    postgres: `
      CREATE TABLE pod_identity_associations (
        association_id TEXT COLLATE "C" PRIMARY KEY, association_arn TEXT NOT NULL, cluster_name TEXT COLLATE "C" NOT NULL,
        namespace TEXT COLLATE "C" NOT NULL, service_account TEXT COLLATE "C" NOT NULL, role_arn TEXT NOT NULL, tags TEXT NOT NULL,
        created_at BIGINT NOT NULL, modified_at BIGINT NOT NULL);
      CREATE UNIQUE INDEX pod_identity_associations_subject ON pod_identity_associations (cluster_name, namespace, service_account);
    `,
  },
]
