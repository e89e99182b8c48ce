-- Dynamic streaming (issue 13): the ladder's renditions live at an ingest session's last stats report,
-- [{ name, bitrateKbps, viewers }], validated by the api's contract (at most 16).
ALTER TABLE "ingest_sessions" ADD COLUMN "renditionStats" JSONB NOT NULL DEFAULT '[]';
