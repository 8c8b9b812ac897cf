import { promises as fs } from 'node:fs';
import { ConfigError } from '../errors.js';
import { YAML_LIMITS } from '../util/yaml.js';
import { readConfigText, type ConfigFile } from './read.js';

/** Reads a `--config` file from this machine; an oversized file is refused before it is read. */
export async function loadConfigFile(path: string): Promise<ConfigFile> {
  let size: number;
  try {
    size = (await fs.stat(path)).size;
  } catch (err) {
    throw new ConfigError(path, undefined, undefined, `cannot read the config file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (size > YAML_LIMITS.maxBytes) {
    throw new ConfigError(path, undefined, undefined, `the file is ${size} bytes; a config file may have at most ${YAML_LIMITS.maxBytes} bytes`);
  }
  return readConfigText(await fs.readFile(path, 'utf8'), path);
}
