/*
 * nvr-index-schema.c: the schema of the index, one step per version.
 *
 * changelog (PRAGMA user_version)
 *   v1  meta, footage_dirs, cameras (+ cameras_generation triggers),
 *       codec_configs, runs, segments, tombstones, users, sessions, audit_log
 *   v2  segments.tags_digest and tags_digest_sig (signed digest of all
 *       chunk tags, DESIGN.md §6); devices, evidence, verdicts,
 *       acknowledgements (vendor identification, DESIGN.md §7); indexes
 *       segments_oldest (the retention walk streams instead of sorting)
 *       and segments_bytes (byte totals from a covering index)
 *   v3  tombstones.rule (the retention rule that deleted the segment: age,
 *       budget or free-space; NULL for a user's deletion) and
 *       tombstones.header_mac (the deleted segment's header MAC, when it
 *       had one); both are signed (NVR-tombstone-v2, nvr-index-tombstone.h)
 *   v4  index tombstones_deleted (deleted_us): pruning old tombstones reads
 *       only those past the keep period, not the whole table
 *
 * rules
 *   (1) a released step is never edited: a database at v1 in the field was
 *       made by exactly this text (tests/index pins each step's checksum).
 *       Change the schema by appending a step and bumping
 *       NVR_INDEX_SCHEMA_VERSION.
 *   (2) a step that rebuilds a table must run with foreign keys off, which
 *       SQLite cannot switch inside a transaction: give it its own code path
 *       rather than hiding that in SQL here.
 *   (3) footage rows are never deleted behind the recorder's back. A camera
 *       with segments cannot be deleted (ON DELETE NO ACTION from segments,
 *       checked at the end of the statement, after the cascade to runs;
 *       RESTRICT would fail as a trigger error rather than a foreign key one):
 *       removing a camera sets removed_us, keeps its footage for playback and
 *       export, and frees its name; retention or an explicit purge deletes
 *       the segments, and only then can the row go. A segment row is
 *       deleted only once it is 'garbage' (after its tombstone was written).
 */
#include "config.h"

#include "nvr-index-private.h"

static const gchar nvr_index_schema_v1[] =
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;"
	"INSERT INTO meta (key, value) VALUES ('cameras_generation', '0');"

	"CREATE TABLE footage_dirs ("
	"  id INTEGER PRIMARY KEY,"
	"  path TEXT NOT NULL UNIQUE CHECK (substr(path, 1, 1) = '/' AND length(path) <= 4096),"
	"  uuid TEXT NOT NULL UNIQUE CHECK (length(uuid) = 36),"
	"  added_us INTEGER NOT NULL"
	");"

	"CREATE TABLE cameras ("
	"  id INTEGER PRIMARY KEY,"
	"  uuid TEXT NOT NULL UNIQUE CHECK (length(uuid) = 36),"
	"  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64 AND instr(name, '/') = 0),"
	"  main_url TEXT NOT NULL CHECK (length(main_url) BETWEEN 1 AND 2048),"
	"  sub_url TEXT CHECK (length(sub_url) BETWEEN 1 AND 2048),"
	"  username TEXT CHECK (length(username) <= 256),"
	"  password_sealed BLOB CHECK (length(password_sealed) <= 4096),"
	"  record_main INTEGER NOT NULL DEFAULT 1 CHECK (record_main IN (0, 1)),"
	"  record_sub INTEGER NOT NULL DEFAULT 0 CHECK (record_sub IN (0, 1)),"
	"  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
	"  budget_bytes INTEGER CHECK (budget_bytes > 0),"
	"  max_age_us INTEGER CHECK (max_age_us > 0),"
	"  vendor_hint TEXT CHECK (length(vendor_hint) <= 256),"
	"  model_hint TEXT CHECK (length(model_hint) <= 256),"
	"  created_us INTEGER NOT NULL,"
	"  updated_us INTEGER NOT NULL,"
	"  removed_us INTEGER"
	");"
	/* a removed camera keeps its row for its footage; its name is free again */
	"CREATE UNIQUE INDEX cameras_name ON cameras (name) WHERE removed_us IS NULL;"
	"CREATE TRIGGER cameras_generation_insert AFTER INSERT ON cameras BEGIN"
	"  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'cameras_generation';"
	"END;"
	"CREATE TRIGGER cameras_generation_update AFTER UPDATE ON cameras BEGIN"
	"  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'cameras_generation';"
	"END;"
	"CREATE TRIGGER cameras_generation_delete AFTER DELETE ON cameras BEGIN"
	"  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'cameras_generation';"
	"END;"

	"CREATE TABLE codec_configs ("
	"  id INTEGER PRIMARY KEY,"
	"  camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,"
	"  sha256 BLOB NOT NULL CHECK (length(sha256) = 32),"
	"  codec TEXT NOT NULL CHECK (length(codec) BETWEEN 1 AND 64),"
	"  width INTEGER NOT NULL CHECK (width BETWEEN 1 AND 65535),"
	"  height INTEGER NOT NULL CHECK (height BETWEEN 1 AND 65535),"
	"  init_segment BLOB NOT NULL CHECK (length(init_segment) > 0),"
	"  UNIQUE (camera_id, sha256)"
	");"

	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,"
	"  stream INTEGER NOT NULL CHECK (stream IN (0, 1)),"
	"  start_us INTEGER NOT NULL,"
	"  end_us INTEGER CHECK (end_us >= start_us),"
	"  media_anchor INTEGER NOT NULL,"
	"  wall_anchor_us INTEGER NOT NULL,"
	"  unsynced INTEGER NOT NULL DEFAULT 0 CHECK (unsynced IN (0, 1)),"
	"  end_reason TEXT CHECK (length(end_reason) <= 256),"
	"  frames INTEGER NOT NULL DEFAULT 0 CHECK (frames >= 0)"
	");"
	"CREATE INDEX runs_camera_start ON runs (camera_id, start_us);"

	"CREATE TABLE segments ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE NO ACTION,"
	"  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE NO ACTION,"
	"  stream INTEGER NOT NULL CHECK (stream IN (0, 1)),"
	"  status TEXT NOT NULL"
	"    CHECK (status IN ('recording', 'finalized', 'interrupted', 'garbage')),"
	"  start_us INTEGER NOT NULL,"
	"  end_us INTEGER CHECK (end_us >= start_us),"
	"  header_start_us INTEGER NOT NULL,"
	"  media_start INTEGER NOT NULL,"
	"  media_duration INTEGER NOT NULL DEFAULT 0 CHECK (media_duration >= 0),"
	"  frames INTEGER NOT NULL DEFAULT 0 CHECK (frames >= 0),"
	"  plain_len INTEGER NOT NULL DEFAULT 0 CHECK (plain_len >= 0),"
	"  file_len INTEGER NOT NULL DEFAULT 0 CHECK (file_len >= 0),"
	"  header_len INTEGER NOT NULL DEFAULT 0 CHECK (header_len >= 0),"
	"  header_mac BLOB CHECK (length(header_mac) = 32),"
	"  last_tag BLOB CHECK (length(last_tag) = 16),"
	"  prev_segment_id INTEGER NOT NULL DEFAULT 0"
	"    CHECK (prev_segment_id >= 0 AND prev_segment_id < id),"
	"  prev_link BLOB CHECK (length(prev_link) = 32),"
	"  codec_config_id INTEGER REFERENCES codec_configs (id) ON DELETE NO ACTION,"
	"  gop_index BLOB,"
	"  footage_dir_id INTEGER NOT NULL REFERENCES footage_dirs (id) ON DELETE NO ACTION,"
	"  created_us INTEGER NOT NULL,"
	/* nvre-v1.md §8.1: the chain state of a finished segment is complete */
	"  CHECK (status != 'finalized' OR (end_us IS NOT NULL AND file_len > 0"
	"    AND header_mac IS NOT NULL AND last_tag IS NOT NULL)),"
	"  CHECK (status != 'interrupted' OR (end_us IS NOT NULL AND last_tag IS NOT NULL))"
	");"
	"CREATE INDEX segments_span ON segments (camera_id, stream, start_us, end_us);"
	/* rowid order inside (camera_id, stream): the chain tail is the last entry */
	"CREATE INDEX segments_chain ON segments (camera_id, stream);"
	"CREATE INDEX segments_run ON segments (run_id);"
	"CREATE INDEX segments_successor ON segments (prev_segment_id) WHERE prev_segment_id > 0;"
	"CREATE INDEX segments_pending ON segments (status) WHERE status IN ('recording', "
	"'garbage');"
	"CREATE TRIGGER segments_status_transition BEFORE UPDATE OF status ON segments"
	"  WHEN NOT (OLD.status = NEW.status OR OLD.status = 'recording' OR NEW.status = 'garbage')"
	"BEGIN SELECT RAISE(ABORT, 'segment status: invalid transition'); END;"
	"CREATE TRIGGER segments_delete_garbage_only BEFORE DELETE ON segments"
	"  WHEN OLD.status != 'garbage'"
	"BEGIN SELECT RAISE(ABORT, 'segment: only garbage rows may be deleted'); END;"

	"CREATE TABLE tombstones ("
	"  id INTEGER PRIMARY KEY,"
	"  camera_id INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,"
	"  segment_id INTEGER NOT NULL UNIQUE CHECK (segment_id > 0),"
	"  stream INTEGER NOT NULL CHECK (stream IN (0, 1)),"
	"  start_us INTEGER NOT NULL,"
	"  end_us INTEGER NOT NULL CHECK (end_us >= start_us),"
	"  file_len INTEGER NOT NULL CHECK (file_len >= 0),"
	"  last_tag BLOB NOT NULL CHECK (length(last_tag) = 16),"
	"  status TEXT NOT NULL CHECK (status IN ('finalized', 'interrupted')),"
	"  prev_segment_id INTEGER NOT NULL DEFAULT 0 CHECK (prev_segment_id >= 0),"
	"  link BLOB CHECK (length(link) = 32),"
	"  deleted_us INTEGER NOT NULL,"
	"  reason TEXT NOT NULL CHECK (reason IN ('retention', 'user')),"
	"  signature BLOB NOT NULL CHECK (length(signature) = 64)"
	");"
	"CREATE INDEX tombstones_camera ON tombstones (camera_id, segment_id);"

	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),"
	"  role TEXT NOT NULL CHECK (role IN ('owner', 'viewer')),"
	"  password_hash TEXT NOT NULL CHECK (length(password_hash) BETWEEN 1 AND 512),"
	"  created_us INTEGER NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))"
	");"

	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
	"  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
	"  csrf_token_hash BLOB NOT NULL CHECK (length(csrf_token_hash) = 32),"
	"  created_us INTEGER NOT NULL,"
	"  expires_us INTEGER NOT NULL CHECK (expires_us >= created_us),"
	"  last_seen_us INTEGER NOT NULL"
	");"
	"CREATE INDEX sessions_user ON sessions (user_id);"
	"CREATE INDEX sessions_expires ON sessions (expires_us);"

	"CREATE TABLE audit_log ("
	"  id INTEGER PRIMARY KEY,"
	"  ts_us INTEGER NOT NULL,"
	"  user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,"
	"  action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),"
	"  detail TEXT CHECK (length(detail) <= 4096),"
	"  client TEXT CHECK (length(client) <= 256)"
	");"
	"CREATE INDEX audit_log_user ON audit_log (user_id);";

static const gchar nvr_index_schema_v2[] =
	"ALTER TABLE segments ADD COLUMN tags_digest BLOB CHECK (length(tags_digest) = 32);"
	"ALTER TABLE segments ADD COLUMN tags_digest_sig BLOB CHECK (length(tags_digest_sig) = 64);"
	/* rowid order inside equal start_us: the walk is ORDER BY start_us, id */
	"CREATE INDEX segments_oldest ON segments (start_us)"
	"  WHERE status IN ('finalized', 'interrupted');"
	"CREATE INDEX segments_bytes ON segments (camera_id, status, file_len);"

	"CREATE TABLE devices ("
	"  id INTEGER PRIMARY KEY,"
	"  host TEXT NOT NULL CHECK (length(host) BETWEEN 1 AND 255),"
	"  http_port INTEGER NOT NULL CHECK (http_port BETWEEN 0 AND 65535),"
	"  rtsp_port INTEGER NOT NULL CHECK (rtsp_port BETWEEN 0 AND 65535),"
	"  mac TEXT UNIQUE CHECK (length(mac) = 17),"
	"  camera_id INTEGER REFERENCES cameras (id) ON DELETE SET NULL,"
	"  first_seen_us INTEGER NOT NULL,"
	"  last_seen_us INTEGER NOT NULL CHECK (last_seen_us >= first_seen_us),"
	"  UNIQUE (host, http_port)"
	");"
	"CREATE INDEX devices_camera ON devices (camera_id);"

	"CREATE TABLE evidence ("
	"  id INTEGER PRIMARY KEY,"
	"  device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
	"  source TEXT NOT NULL"
	"    CHECK (length(source) BETWEEN 1 AND 32 AND source NOT GLOB '*[^a-z0-9-]*'),"
	"  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 64),"
	"  value TEXT NOT NULL CHECK (length(value) <= 4096),"
	"  strength INTEGER NOT NULL CHECK (strength BETWEEN 0 AND 100),"
	"  collected_us INTEGER NOT NULL"
	");"
	"CREATE INDEX evidence_device ON evidence (device_id);"

	"CREATE TABLE verdicts ("
	"  id INTEGER PRIMARY KEY,"
	"  device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
	"  registry_version TEXT NOT NULL CHECK (length(registry_version) BETWEEN 1 AND 64),"
	"  vendor TEXT CHECK (length(vendor) <= 256),"
	"  brand TEXT CHECK (length(brand) <= 256),"
	"  model TEXT CHECK (length(model) <= 256),"
	"  firmware TEXT CHECK (length(firmware) <= 256),"
	"  confidence TEXT NOT NULL"
	"    CHECK (confidence IN ('certain', 'likely', 'possible', 'unknown')),"
	"  restricted INTEGER NOT NULL DEFAULT 0 CHECK (restricted IN (0, 1)),"
	"  verdict_json TEXT NOT NULL CHECK (json_valid(verdict_json)),"
	"  evaluated_us INTEGER NOT NULL,"
	"  UNIQUE (device_id, registry_version)"
	");"

	"CREATE TABLE acknowledgements ("
	"  device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
	"  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
	"  registry_version TEXT NOT NULL CHECK (length(registry_version) BETWEEN 1 AND 64),"
	"  acknowledged_us INTEGER NOT NULL,"
	"  PRIMARY KEY (device_id, user_id, registry_version)"
	") WITHOUT ROWID;"
	"CREATE INDEX acknowledgements_user ON acknowledgements (user_id);";

static const gchar nvr_index_schema_v3[] =
	"ALTER TABLE tombstones ADD COLUMN rule TEXT CHECK (rule IN ('age', 'budget', 'free-space'));"
	"ALTER TABLE tombstones ADD COLUMN header_mac BLOB CHECK (length(header_mac) = 32);";

static const gchar nvr_index_schema_v4[] =
	"CREATE INDEX tombstones_deleted ON tombstones (deleted_us);";

static const NvrIndexMigration nvr_index_migrations[] = {
	{1, nvr_index_schema_v1},
	{2, nvr_index_schema_v2},
	{3, nvr_index_schema_v3},
	{4, nvr_index_schema_v4},
};

G_STATIC_ASSERT(G_N_ELEMENTS(nvr_index_migrations) == NVR_INDEX_SCHEMA_VERSION);

const NvrIndexMigration *
nvr_index_schema_get_migrations(guint *n_migrations)
{
	*n_migrations = G_N_ELEMENTS(nvr_index_migrations);
	return nvr_index_migrations;
}
