-- Live events that run themselves (issue 15): when a live event's stream stops publishing, the time it did.
-- A publisher that returns within LIVE_EVENT_RECONNECT_WINDOW_SECONDS clears it; past the window any api
-- instance's sweep ends the event (src/modules/live-events/live-event-runner.ts). NULL while publishing.
ALTER TABLE "live_events" ADD COLUMN "publishEndedAt" TIMESTAMP(3);
CREATE INDEX "live_events_state_publishEndedAt_idx" ON "live_events"("state", "publishEndedAt");
