/**
 * A stream's current picture or an asset's poster in a list: `src` is the dashboard's relay of the edge's
 * `/live/<id>/thumbnail.jpg` or `/vod/<id>/poster.jpg` (src/server/picture.ts), null for none (an idle
 * stream, an asset not ready).
 */
export function Thumbnail({ src, label }: { src: string | null; label: string }) {
  if (!src) {
    return (
      <div className="thumbnail thumbnail-empty muted" data-testid="thumbnail-empty">
        —
      </div>
    );
  }
  return (
    // biome-ignore lint/performance/noImgElement: an edge URL that changes every few seconds; no optimisation wanted
    <img
      className="thumbnail"
      data-testid="thumbnail"
      src={src}
      alt={label}
      width={96}
      height={54}
      loading="lazy"
      style={{ objectFit: 'cover', borderRadius: 4, background: '#111', display: 'block' }}
    />
  );
}
