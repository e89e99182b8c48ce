-- The fleet (issue 11): what each edge's heartbeat reports beyond its connection counts, so the api can
-- tell edges where a stream lives (the internal address other edges pull from) and which edge a player
-- or a full edge's new connection is sent to (its viewer cap, its egress, whether it is draining).
ALTER TABLE "edges" ADD COLUMN "internalRtmpUrl" TEXT;
ALTER TABLE "edges" ADD COLUMN "maxViewers" INTEGER;
ALTER TABLE "edges" ADD COLUMN "egressBps" DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE "edges" ADD COLUMN "draining" BOOLEAN NOT NULL DEFAULT false;
