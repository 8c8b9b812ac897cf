/**
 * containerd's /etc/containerd/config.toml, edited as TOML tables: what the file says stays, bosun sets only what a
 * kubelet needs (the CRI plugin on, runc with the kubelet's cgroup driver, registry hosts from certs.d).
 *
 * Checked against the real binaries (`containerd --config F config dump`, 1.6.20 and 2.1.4):
 * - containerd 1.x reads version 1 and 2 files; a version 3 file's plugin sections are ignored without an error;
 * - containerd 2.x converts version 1 and 2 files to 3 when it loads them (a v2 `SystemdCgroup` and `config_path`
 *   land in the v3 places), but a version 1 file's `[plugins.cri]` settings are dropped with a warning;
 * - the deprecated `systemd_cgroup` of the CRI plugin is refused by 1.x's CRI plugin with runc v2 and ignored by 2.x.
 */
import { UserError } from '../errors.js';
import type { CgroupDriver } from './endpoints.js';
import { CONTAINERD_CONFIG } from './paths.js';
import { emitToml, isTable, parseToml, tomlKeyPath, tomlTable, tomlValue, type TomlTable } from './toml.js';

export type ContainerdConfigVersion = 2 | 3;

export interface ContainerdConfigOptions {
  version: ContainerdConfigVersion;
  systemdCgroup: boolean;
  /** containerd's registry host directory (certs.d); unset leaves the file's registry settings as they are. */
  registryConfigPath?: string;
}

/** Where the CRI plugin's runtime and image settings live in each config version (version 1: `plugins.cri`). */
const CRI = {
  1: { runtime: ['plugins', 'cri'], images: ['plugins', 'cri'] },
  2: { runtime: ['plugins', 'io.containerd.grpc.v1.cri'], images: ['plugins', 'io.containerd.grpc.v1.cri'] },
  3: { runtime: ['plugins', 'io.containerd.cri.v1.runtime'], images: ['plugins', 'io.containerd.cri.v1.images'] },
} as const;

/** Names in `disabled_plugins` that turn the CRI off: the short v1 name, and the IDs of 1.x's plugin and 2.x's three. */
const CRI_PLUGIN_NAMES = new Set(['cri', 'io.containerd.grpc.v1.cri', 'io.containerd.cri.v1.runtime', 'io.containerd.cri.v1.images']);
const RUNC_V2 = 'io.containerd.runc.v2';

/** The config version a containerd release writes: 2 for 1.x, 3 for 2.x. */
export function containerdConfigVersion(containerdVersion: string): ContainerdConfigVersion {
  const major = /^v?(\d+)\./.exec(containerdVersion.trim())?.[1];
  if (major === '1') return 2;
  if (major === '2') return 3;
  throw new UserError({ what: `containerd version "${containerdVersion}" is not one bosun configures`, expected: 'containerd 1.x or 2.x' });
}

function fileVersion(config: TomlTable, file = CONTAINERD_CONFIG): 1 | 2 | 3 {
  const version = config.version ?? 1;
  if (version === 1 || version === 2 || version === 3) return version;
  throw new UserError({
    what: `version = ${String(version)} is not a containerd config version bosun edits`,
    where: { file },
    expected: '1, 2 or 3',
  });
}

const refuse = (what: string, expected: string) => new UserError({ what, where: { file: CONTAINERD_CONFIG }, expected });

/**
 * The version the edited file keeps. A file without one (version 1, as Docker's containerd.io package ships it)
 * becomes the target version when nothing in it depends on version 1's short plugin names. A version 2 file for a
 * containerd 2.x stays version 2: containerd converts it itself. A version 3 file cannot go to a containerd 1.x.
 */
function editVersion(config: TomlTable, target: ContainerdConfigVersion): ContainerdConfigVersion {
  const version = fileVersion(config);
  if (version === 1) {
    const disabled: unknown[] = Array.isArray(config.disabled_plugins) ? config.disabled_plugins : [];
    const shortNames = disabled.filter((name) => !CRI_PLUGIN_NAMES.has(String(name)));
    if (config.plugins !== undefined || shortNames.length > 0)
      throw refuse(
        'version 1 file (no `version` key) with plugin settings: containerd 2.x drops them and bosun does not guess their new names',
        'a version 2 file (containerd 1.x prints one with `containerd config dump`)',
      );
    return target;
  }
  if (version === 3 && target === 2) throw refuse('version 3 file for containerd 1.x, which ignores its plugin sections', 'version 2 for containerd 1.x');
  return version;
}

/** `disabled_plugins` without the CRI (a missing key stays missing). */
function enableCri(config: TomlTable): void {
  const disabled = config.disabled_plugins;
  if (disabled === undefined) return;
  if (!Array.isArray(disabled)) throw refuse('disabled_plugins is not a list', 'a list of plugin IDs');
  config.disabled_plugins = disabled.filter((name) => !CRI_PLUGIN_NAMES.has(String(name)));
}

/** runc as the CRI's `io.containerd.runc.v2` handler, and every runc v2 handler on the requested cgroup driver. */
function setRuntimes(config: TomlTable, version: ContainerdConfigVersion, systemdCgroup: boolean): void {
  const plugin = tomlTable(config, CRI[version].runtime, CONTAINERD_CONFIG);
  // The CRI plugin's own `systemd_cgroup` predates runc v2: 1.x refuses to start the CRI with both.
  delete plugin.systemd_cgroup;
  const runtimesKeys = [...CRI[version].runtime, 'containerd', 'runtimes'];
  tomlTable(config, [...runtimesKeys, 'runc'], CONTAINERD_CONFIG).runtime_type = RUNC_V2;
  for (const [name, handler] of Object.entries(tomlTable(config, runtimesKeys, CONTAINERD_CONFIG))) {
    if (isTable(handler) && handler.runtime_type === RUNC_V2)
      tomlTable(config, [...runtimesKeys, name, 'options'], CONTAINERD_CONFIG).SystemdCgroup = systemdCgroup;
  }
}

function setRegistryConfigPath(config: TomlTable, version: ContainerdConfigVersion, configPath: string): void {
  const keys = [...CRI[version].images, 'registry'];
  const registry = tomlTable(config, keys, CONTAINERD_CONFIG);
  // containerd 1.x's CRI refuses to start with both ("`mirrors` cannot be set when `config_path` is provided").
  if (isTable(registry.mirrors) && Object.keys(registry.mirrors).length > 0)
    throw refuse(
      `${tomlKeyPath([...keys, 'mirrors'])} is set; containerd refuses it together with config_path`,
      `mirrors moved to hosts.toml files under ${configPath}`,
    );
  // A directory list (`:`-separated, as containerd splits it) the operator set stays first: their hosts win.
  const existing = typeof registry.config_path === 'string' ? registry.config_path.split(':').filter(Boolean) : [];
  registry.config_path = existing.includes(configPath) ? existing.join(':') : [...existing, configPath].join(':');
}

/**
 * config.toml with the CRI plugin enabled, runc (v2) with `SystemdCgroup` as asked and, when given, the registry
 * `config_path`; everything else the existing file says is kept. Rendering its own output again gives the same text.
 */
export function renderContainerdConfig(existing: string | undefined, opts: ContainerdConfigOptions): string {
  const config = existing === undefined ? {} : parseToml(existing, CONTAINERD_CONFIG);
  const version = editVersion(config, opts.version);
  enableCri(config);
  setRuntimes(config, version, opts.systemdCgroup);
  if (opts.registryConfigPath !== undefined) setRegistryConfigPath(config, version, opts.registryConfigPath);
  const { version: _old, ...rest } = config;
  return emitToml({ version, ...rest });
}

/** A config.toml or one of the files it imports, by node path. */
export interface ContainerdFile {
  file: string;
  text: string;
}

/**
 * The files config.toml imports, as written (paths or globs; containerd resolves a relative one against config.toml's
 * directory). containerd reads them after config.toml and their settings win (seen with 1.6.20 and 2.1.4).
 */
export function containerdImports(text: string): string[] {
  const imports = parseToml(text, CONTAINERD_CONFIG).imports ?? [];
  return Array.isArray(imports) ? imports.map(String) : [];
}

interface ParsedFile {
  file: string;
  config: TomlTable;
}

const parsed = (text: string, imported: ContainerdFile[]): ParsedFile[] =>
  [{ file: CONTAINERD_CONFIG, text }, ...imported].map(({ file, text }) => ({ file, config: parseToml(text, file) }));

/** The last of `files` (in containerd's order) where `read` finds a value, and that file. */
function lastSet(files: ParsedFile[], read: (f: ParsedFile) => unknown): { value: unknown; file?: string } {
  let found: { value: unknown; file?: string } = { value: undefined };
  for (const f of files) {
    const value = read(f);
    if (value !== undefined) found = { value, file: f.file };
  }
  return found;
}

/** A value of the CRI's runtime settings, where the file's config version keeps them. */
const criRuntime = ({ file, config }: ParsedFile, keys: string[]) => tomlValue(config, [...CRI[fileVersion(config, file)].runtime, ...keys]);

/**
 * The cgroup driver of the CRI's default runtime handler and the file that set it; none set it: containerd's own
 * default, cgroupfs (runc's SystemdCgroup is false unless set). `imported`: the files config.toml imports, in order.
 */
export function containerdCgroupSetting(text: string, imported: ContainerdFile[] = []): { driver: CgroupDriver; file?: string } {
  const files = parsed(text, imported);
  const name = lastSet(files, (f) => criRuntime(f, ['containerd', 'default_runtime_name'])).value ?? 'runc';
  const handler = lastSet(files, (f) => criRuntime(f, ['containerd', 'runtimes', String(name), 'options', 'SystemdCgroup']));
  // The CRI plugin's own `systemd_cgroup` predates runc v2 handlers; it counts only where no handler says.
  const setting = handler.file !== undefined ? handler : lastSet(files, (f) => criRuntime(f, ['systemd_cgroup']));
  return { driver: setting.value === true ? 'systemd' : 'cgroupfs', file: setting.file };
}

export function containerdCgroupDriver(text: string, imported: ContainerdFile[] = []): CgroupDriver {
  return containerdCgroupSetting(text, imported).driver;
}

/**
 * True when the last `disabled_plugins` (config.toml's, or an imported file's) turns the CRI off (Docker's
 * containerd.io package ships `disabled_plugins = ["cri"]`).
 */
export function containerdCriDisabled(text: string, imported: ContainerdFile[] = []): boolean {
  const disabled = lastSet(parsed(text, imported), ({ config }) => config.disabled_plugins).value;
  return Array.isArray(disabled) && disabled.some((name) => CRI_PLUGIN_NAMES.has(String(name)));
}
