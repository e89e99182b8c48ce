import { SmilError, SmilErrorCode } from '../errors';
import { type Rendition, renditionBandwidth } from './multi-bitrate-manifest';

/**
 * Share of the measured bandwidth a rendition may use. Throughput estimates are
 * noisy; 0.8 sits between hls.js's up-switch factor (abrBandWidthUpFactor 0.7) and
 * its steady-state factor (abrBandWidthFactor 0.95).
 */
export const DEFAULT_HEADROOM = 0.8;

/**
 * Picks the rendition for a client whose measured bandwidth is `bandwidthBps`: the
 * highest bandwidth that fits in `bandwidthBps * headroom`, else the lowest one (a
 * player that cannot keep up still gets the cheapest stream rather than nothing).
 * Equal bandwidths resolve to the earlier rendition in the manifest.
 */
export function selectRendition(
  renditions: readonly Rendition[],
  bandwidthBps: number,
  headroom: number = DEFAULT_HEADROOM,
): Rendition {
  if (!Number.isFinite(bandwidthBps) || bandwidthBps < 0) {
    throw new SmilError(
      SmilErrorCode.InvalidValue,
      `bandwidth ${bandwidthBps} is not a number of bits per second`,
    );
  }
  if (!(headroom > 0 && headroom <= 1)) {
    throw new SmilError(SmilErrorCode.InvalidValue, `headroom ${headroom} is not in (0, 1]`);
  }
  const budget = bandwidthBps * headroom;
  let best: Rendition | undefined;
  let lowest: Rendition | undefined;
  for (const r of renditions) {
    const need = renditionBandwidth(r);
    if (lowest === undefined || need < renditionBandwidth(lowest)) lowest = r;
    if (need <= budget && (best === undefined || need > renditionBandwidth(best))) best = r;
  }
  const chosen = best ?? lowest;
  if (chosen === undefined) throw new SmilError(SmilErrorCode.InvalidValue, 'no renditions to choose from');
  return chosen;
}
