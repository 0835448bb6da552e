import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

// Builds the demo once; every spec then starts the binary on its own ports.
export default function globalSetup() {
  const root = path.resolve(__dirname, '..');
  const bin = path.join(__dirname, '.bin');
  mkdirSync(bin, { recursive: true });
  execFileSync('go', ['build', '-o', path.join(bin, 'demo'), './cmd/demo'], { cwd: root, stdio: 'inherit' });
}
