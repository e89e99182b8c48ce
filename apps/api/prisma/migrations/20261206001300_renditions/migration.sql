-- Dynamic streaming (issue 13): a live stream's rendition ladder and where its renditions come from
-- ('encoder': the encoder publishes <stream key>_<rendition>; 'transcode': the ingest edge makes them).
-- The ladder's shape (at most 6 renditions, unique names) is validated by the api's contract.
ALTER TABLE "live_streams" ADD COLUMN "renditionSource" TEXT NOT NULL DEFAULT 'none';
ALTER TABLE "live_streams" ADD COLUMN "renditions" JSONB NOT NULL DEFAULT '[]';
ALTER TABLE "live_streams" ADD CONSTRAINT "live_streams_renditionSource_check"
  CHECK ("renditionSource" IN ('none', 'encoder', 'transcode'));
ALTER TABLE "live_streams" ADD CONSTRAINT "live_streams_renditions_check"
  CHECK (jsonb_typeof("renditions") = 'array' AND jsonb_array_length("renditions") <= 6);
