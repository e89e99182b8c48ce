/** Process-wide serving state: /readyz and new requests answer 503 once draining (RELIABILITY F4). */
export class Lifecycle {
  draining = false;
}
