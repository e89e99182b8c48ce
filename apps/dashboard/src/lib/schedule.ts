/**
 * Event schedules travel as ISO-8601 instants (contracts: `z.iso.datetime({offset:true})`),
 * while `<input type="datetime-local">` shows wall-clock time without a zone. The browser
 * converts with its own zone offset (Date#getTimezoneOffset: minutes *behind* UTC).
 */

/** "2025-06-01T14:30" for an instant, in the zone whose getTimezoneOffset() is given. */
export function isoToLocalInput(iso: string | null, timezoneOffsetMinutes: number): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return new Date(at.getTime() - timezoneOffsetMinutes * 60_000).toISOString().slice(0, 16);
}

/** The instant for a datetime-local value in the given zone, or null when empty/invalid. */
export function localInputToIso(value: string, timezoneOffsetMinutes: number): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const asUtc = new Date(`${value}Z`);
  if (Number.isNaN(asUtc.getTime())) return null;
  return new Date(asUtc.getTime() + timezoneOffsetMinutes * 60_000).toISOString();
}
