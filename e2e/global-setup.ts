import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// Builds the demo (and the planner CLI, for admin commands, and the host site
// on its own, for a BFF with other credentials) once; every spec
// then starts the binary on its own ports.
export default function globalSetup() {
  const root = path.resolve(here, '..');
  const bin = path.join(here, '.bin');
  mkdirSync(bin, { recursive: true });
  execFileSync('go', ['build', '-o', path.join(bin, 'demo'), './cmd/demo'], { cwd: root, stdio: 'inherit' });
  execFileSync('go', ['build', '-o', path.join(bin, 'planner'), './cmd/planner'], { cwd: root, stdio: 'inherit' });
  execFileSync('go', ['build', '-o', path.join(bin, 'hostsite'), './cmd/hostsite'], { cwd: root, stdio: 'inherit' });
}
