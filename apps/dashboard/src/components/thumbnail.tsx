/**
 * A stream's current picture or an asset's poster, straight from the edge (`/live/<id>/thumbnail.jpg`,
 * `/vod/<id>/poster.jpg`). Signed ones need a playback token, so the lists show none for them; nor for a
 * stream that is not live (the edge answers 404).
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
