import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A file in Paks' own cache folder, `$XDG_CACHE_HOME/paks` or `~/.cache/paks`: small things
 * kept between runs only to start faster (bin/prefetch.js finds its plans the same way).
 */
export function userCacheFile(env: NodeJS.ProcessEnv, name: string, home: string = env.HOME || homedir()): string {
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'paks', name);
}
