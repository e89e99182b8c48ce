import { z } from 'zod';

/**
 * Dynamic streaming (issue 13): a live stream may declare a ladder of renditions. With
 * `renditionSource: 'encoder'` the encoder publishes each rendition itself to
 * `<stream key>_<rendition name>` (FMLE's multi-bitrate output, Wowza's naming); viewers play
 * `<playbackId>_<rendition name>` with the stream's own playback token.
 *
 * Rendition names have no `_`: stream keys and playback ids may contain `_`, so a name splits at its
 * last `_` into the stream's key (or playback id) and the rendition, never two ways.
 */
export const MAX_RENDITIONS = 6;
export const RENDITION_NAME = /^[a-z0-9][a-z0-9-]{0,15}$/;
export const RENDITION_SEPARATOR = '_';

export const RenditionSourceSchema = z.enum(['none', 'encoder', 'transcode']);
export type RenditionSource = z.infer<typeof RenditionSourceSchema>;

export const RenditionSchema = z.strictObject({
  /** 1–16 of a-z, 0-9 and `-` (not first): the suffix of the rendition's stream name. */
  name: z.string().regex(RENDITION_NAME, 'rendition names use a-z, 0-9 and - (1–16 characters, no _)'),
  width: z.number().int().min(16).max(7680),
  height: z.number().int().min(16).max(4320),
  videoBitrateKbps: z.number().int().min(16).max(100_000),
  audioBitrateKbps: z.number().int().min(0).max(1_024),
});
export type Rendition = z.infer<typeof RenditionSchema>;

/** A ladder: at most MAX_RENDITIONS, names unique. Order is the tenant's (usually highest first). */
export const RenditionLadderSchema = z
  .array(RenditionSchema)
  .max(MAX_RENDITIONS)
  .refine((ladder) => new Set(ladder.map((r) => r.name)).size === ladder.length, {
    message: 'rendition names must be unique',
  });

/** A rendition's live figures, as the ingest edge reports them with its session's stats. */
export const RenditionLiveStatsSchema = z.object({
  name: z.string().max(16),
  bitrateKbps: z.number().min(0),
  viewers: z.number().int().min(0),
});
export type RenditionLiveStats = z.infer<typeof RenditionLiveStatsSchema>;

/** The stream name a rendition is published and played under: `<key or playbackId>_<rendition>`. */
export function renditionStreamName(base: string, rendition: string): string {
  return `${base}${RENDITION_SEPARATOR}${rendition}`;
}

/**
 * Splits `<base>_<rendition>` at its last `_`; undefined when the suffix is not a rendition name or
 * the base is empty (then the name is a plain stream key or playback id).
 */
export function splitRenditionName(name: string): { base: string; rendition: string } | undefined {
  const at = name.lastIndexOf(RENDITION_SEPARATOR);
  if (at <= 0) return undefined;
  const rendition = name.slice(at + 1);
  if (!RENDITION_NAME.test(rendition)) return undefined;
  return { base: name.slice(0, at), rendition };
}

/**
 * The ladder's consistency rule, one place for create and update: a source other than 'none' needs
 * at least one rendition. Returns the problem, or undefined.
 */
export function ladderProblem(source: RenditionSource, ladder: readonly Rendition[]): string | undefined {
  if (source !== 'none' && ladder.length === 0)
    return `renditionSource '${source}' needs at least one rendition`;
  return undefined;
}
