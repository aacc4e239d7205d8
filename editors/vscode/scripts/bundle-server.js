// Copies the release build of the server into server/, where the extension looks first
// (after the dockerfileLsp.server.path setting). Without a release build the package
// has no binary and the extension uses the one on the PATH.
'use strict';

const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..', '..');
const name = process.platform === 'win32' ? 'dockerfile-lsp.exe' : 'dockerfile-lsp';
const targetDir = process.env.CARGO_TARGET_DIR
  ? path.resolve(root, process.env.CARGO_TARGET_DIR)
  : path.join(root, 'target');
const built = path.join(targetDir, 'release', name);
const destination = path.join(__dirname, '..', 'server', name);

if (!fs.existsSync(built)) {
  console.log(`bundle-server: no ${built} (run cargo build --release first); packaging without a bundled server`);
  fs.rmSync(destination, { force: true });
  process.exit(0);
}
fs.mkdirSync(path.dirname(destination), { recursive: true });
fs.copyFileSync(built, destination);
fs.chmodSync(destination, 0o755);
console.log(`bundle-server: ${built} -> ${path.relative(process.cwd(), destination)}`);
