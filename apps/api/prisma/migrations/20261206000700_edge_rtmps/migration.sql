-- RTMPS (issue 14): the public RTMPS application URL an edge reports in its heartbeat, shown beside its
-- RTMP ingest URL; null while it serves no RTMPS (or an older edge says nothing).
ALTER TABLE "edges" ADD COLUMN "rtmpsUrl" TEXT;
