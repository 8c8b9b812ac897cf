import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * bosun's package directory (where package.json and go/ live), found from this file whether it
 * runs from src/ (tests), or bundled in dist/.
 */
export const PACKAGE_ROOT: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('bosun: cannot find its package.json');
    dir = parent;
  }
  return dir;
})();
