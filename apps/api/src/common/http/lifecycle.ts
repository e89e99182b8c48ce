/** Process-wide serving state: /readyz and new requests answer 503 once draining (docs/reliability.md: graceful-drain). */
export class Lifecycle {
  draining = false;
}
