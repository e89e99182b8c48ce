import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a vector from the package's testdata/ (tests run from dist/src/<folder>/). */
export function readFixture(name: string): string {
  return readFileSync(join(__dirname, '..', '..', '..', 'testdata', name), 'utf8');
}
