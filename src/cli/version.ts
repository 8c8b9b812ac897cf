import packageJson from '../../package.json' with { type: 'json' };

/** bosun's own version, from package.json (one source of truth), built into the bundle with it. */
export const VERSION: string = packageJson.version;
