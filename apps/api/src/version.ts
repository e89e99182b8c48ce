import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The api's version, from its package.json (this file runs from dist/src/). */
export const API_VERSION: string = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'),
).version;
