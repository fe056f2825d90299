import * as path from 'node:path';

/** Repository root (out/test/unit/ls -> repo). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
/** The shared data directory beside the clone. */
export const SHARED = path.resolve(REPO_ROOT, '..', 'shared');
export const SERVER_JS = path.join(REPO_ROOT, 'out', 'language-server', 'server.js');
