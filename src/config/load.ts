import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { Host } from '../host/host.js';
import { YAML_LIMITS } from '../util/yaml.js';
import { readConfigText, type ConfigFile } from './read.js';

/**
 * Reads a `--config` file through `local`, the operator's machine (a relative path starts from the working
 * directory); an oversized file is refused before it is read. Errors name the file as given.
 */
export async function loadConfigFile(local: Host, file: string): Promise<ConfigFile> {
  const where = path.resolve(file);
  const unreadable = (err: unknown) =>
    new ConfigError(file, undefined, undefined, `cannot read the config file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  let stat;
  try {
    stat = await local.stat(where);
  } catch (err) {
    throw unreadable(err);
  }
  if (!stat) throw unreadable({ code: 'ENOENT' });
  if (stat.size > YAML_LIMITS.maxBytes) {
    throw new ConfigError(file, undefined, undefined, `the file is ${stat.size} bytes; a config file may have at most ${YAML_LIMITS.maxBytes} bytes`);
  }
  const data = await local.readFile(where).catch((err: unknown) => {
    throw unreadable(err);
  });
  if (data === undefined) throw unreadable({ code: 'ENOENT' });
  return readConfigText(data.toString('utf8'), file);
}
