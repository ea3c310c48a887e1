//! The treatment capability's schema steps. Versions are global: a new step takes the next unused
//! number (a test refuses duplicates) and runs after every lower one.

use crate::platform::store::Migration;

#[rustfmt::skip]
pub(crate) const MIGRATIONS: &[Migration] = &[
Migration {
    version: 4,
    name: "course of treatment: enrolments, rooms, appointments, staff credentials, deviations",
    common: &[
        "CREATE TABLE enrolments (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL UNIQUE REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), protocol_id TEXT NOT NULL, protocol_version BIGINT NOT NULL,
            baseline_on TEXT NOT NULL, enrolled_at BIGINT NOT NULL, enrolled_by TEXT NOT NULL)",
        "CREATE TABLE rooms (
            id TEXT PRIMARY KEY, site_id TEXT NOT NULL REFERENCES sites (id), name TEXT NOT NULL, status TEXT NOT NULL,
            UNIQUE (site_id, name))",
        "CREATE TABLE appointments (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), visit_id TEXT NOT NULL, visit_type TEXT NOT NULL,
            visit_kind TEXT NOT NULL, starts_at BIGINT NOT NULL, ends_at BIGINT NOT NULL,
            room_id TEXT NOT NULL REFERENCES rooms (id), staff TEXT NOT NULL, status TEXT NOT NULL,
            out_of_window_reason TEXT, booked_by TEXT NOT NULL)",
        "CREATE INDEX appointments_site_time ON appointments (site_id, starts_at)",
        "CREATE INDEX appointments_participant ON appointments (participant_id, visit_id)",
        "CREATE TABLE staff_credentials (
            id TEXT PRIMARY KEY REFERENCES users (id), training_completed_on TEXT, supervised_sessions BIGINT NOT NULL,
            certified_until TEXT, ethics_attested_on TEXT, updated_at BIGINT NOT NULL)",
        "CREATE TABLE deviations (
            id TEXT PRIMARY KEY, participant_id TEXT NOT NULL REFERENCES participants (id),
            site_id TEXT NOT NULL REFERENCES sites (id), visit_id TEXT, kind TEXT NOT NULL, severity TEXT NOT NULL,
            description TEXT NOT NULL, source TEXT NOT NULL, recorded_at BIGINT NOT NULL, recorded_by TEXT NOT NULL,
            resolution TEXT, resolved_at BIGINT)",
        "CREATE INDEX deviations_site ON deviations (site_id, recorded_at)",
        "CREATE INDEX deviations_participant ON deviations (participant_id, recorded_at)",
    ],
    sqlite: &[
        "CREATE TRIGGER deviations_no_delete BEFORE DELETE ON deviations
            BEGIN SELECT RAISE(ABORT, 'deviations are never deleted'); END",
    ],
    postgres: &[
        "CREATE TRIGGER deviations_no_delete BEFORE DELETE ON deviations
            FOR EACH ROW EXECUTE FUNCTION catalyst_append_only()",
    ],
},
Migration {
    version: 6,
    name: "schedule locks: bookings of one person or room serialise across sites",
    common: &["CREATE TABLE schedule_locks (resource TEXT PRIMARY KEY)"],
    sqlite: &[],
    postgres: &[],
},
];
