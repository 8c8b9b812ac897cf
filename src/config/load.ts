import path from 'node:path';
import { ConfigError, quote } from '../errors.js';
import { FileReadError, READ_CAPS, type Host } from '../host/host.js';
import { YAML_LIMITS } from '../util/yaml.js';
import { readConfigText, type ConfigFile } from './read.js';

/** A config file is read up to what the YAML reader accepts. */
const CONFIG_CAP = { ...READ_CAPS.config, maxBytes: YAML_LIMITS.maxBytes };

/**
 * Reads a `--config` file through `local`, the operator's machine (a relative path starts from the working
 * directory): a regular file only, and an oversized one is refused before it is read. Errors name the file as given;
 * one that cannot be read is named with what gave it, a flag or a field (`--config "-"` says more than `-`).
 */
export async function loadConfigFile(local: Host, file: string, givenBy = '--config'): Promise<ConfigFile> {
  const unreadable = (problem: string) => new ConfigError(`${givenBy} ${quote(file)}`, undefined, undefined, problem);
  let data;
  try {
    data = await local.readFile(path.resolve(file), CONFIG_CAP);
  } catch (err) {
    if (err instanceof FileReadError) throw unreadable(err.problem);
    throw unreadable(`cannot read the config file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (data === undefined) throw unreadable('cannot read the config file: ENOENT');
  return readConfigText(data.toString('utf8'), file);
}
