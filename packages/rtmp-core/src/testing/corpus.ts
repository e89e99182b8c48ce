import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's fuzz-corpus/ folder, from the compiled file's location (dist/src/... or dist/test/...). */
export const CORPUS_DIR = join(__dirname, '..', '..', '..', 'fuzz-corpus');

/** Every `.bin` file of one corpus folder, by name. */
export function corpusEntries(folder: string): { name: string; bytes: Buffer }[] {
  const dir = join(CORPUS_DIR, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
}
