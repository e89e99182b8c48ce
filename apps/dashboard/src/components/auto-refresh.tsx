'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/**
 * Re-renders the page's server components every few seconds while the tab is visible, so
 * live status, viewers and bitrate follow the edge's heartbeats (which the api records
 * every few seconds; polling faster shows nothing new).
 */
export const LIVE_REFRESH_MS = 5000;

export function AutoRefresh({ intervalMs = LIVE_REFRESH_MS }: { intervalMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') router.refresh();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [router, intervalMs]);
  return null;
}
