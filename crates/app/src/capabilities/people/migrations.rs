//! The people capability's schema steps. Versions are global: a new step takes the next unused
//! number (a test refuses duplicates) and runs after every lower one.

use crate::platform::store::Migration;

#[rustfmt::skip]
pub(crate) const MIGRATIONS: &[Migration] = &[
Migration {
    version: 2,
    name: "participant counts per site and stage, kept by triggers",
    // Dashboards show participants per stage; counting a large site's rows on every view would
    // grow with the site, so the database keeps the counts exact itself, whatever writes the rows.
    common: &[
        "CREATE TABLE participant_stage_counts (
            site_id TEXT NOT NULL, stage TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (site_id, stage))",
        "INSERT INTO participant_stage_counts (site_id, stage, n)
            SELECT site_id, stage, COUNT(*) FROM participants GROUP BY site_id, stage",
    ],
    sqlite: &[
        "CREATE TRIGGER participants_count_insert AFTER INSERT ON participants BEGIN
            INSERT INTO participant_stage_counts (site_id, stage, n) VALUES (NEW.site_id, NEW.stage, 1)
                ON CONFLICT (site_id, stage) DO UPDATE SET n = n + 1;
         END",
        "CREATE TRIGGER participants_count_delete AFTER DELETE ON participants BEGIN
            UPDATE participant_stage_counts SET n = n - 1 WHERE site_id = OLD.site_id AND stage = OLD.stage;
         END",
        "CREATE TRIGGER participants_count_update AFTER UPDATE OF site_id, stage ON participants BEGIN
            UPDATE participant_stage_counts SET n = n - 1 WHERE site_id = OLD.site_id AND stage = OLD.stage;
            INSERT INTO participant_stage_counts (site_id, stage, n) VALUES (NEW.site_id, NEW.stage, 1)
                ON CONFLICT (site_id, stage) DO UPDATE SET n = n + 1;
         END",
    ],
    postgres: &[
        "CREATE FUNCTION catalyst_count_participant_stages() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                UPDATE participant_stage_counts SET n = n - 1 WHERE site_id = OLD.site_id AND stage = OLD.stage;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO participant_stage_counts (site_id, stage, n) VALUES (NEW.site_id, NEW.stage, 1)
                    ON CONFLICT (site_id, stage) DO UPDATE SET n = participant_stage_counts.n + 1;
            END IF;
            RETURN NULL;
         END $$",
        "CREATE TRIGGER participants_stage_counts AFTER INSERT OR UPDATE OF site_id, stage OR DELETE ON participants
            FOR EACH ROW EXECUTE FUNCTION catalyst_count_participant_stages()",
    ],
},
];
