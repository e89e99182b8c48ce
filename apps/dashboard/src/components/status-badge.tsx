/** A coloured status pill; the colour comes from the status word (globals.css .badge-*). */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`badge badge-${status}`}>{label ?? status}</span>;
}
