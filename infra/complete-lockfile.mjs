#!/usr/bin/env node
// Restores the platform-specific optional packages that `npm install` leaves
// out of package-lock.json when the registry it talks to cannot serve them
// (a mirror that only holds the packages of this platform answers 404 and npm
// silently skips an optional dependency). `npm ci` then refuses the lock file
// ("Missing: <pkg> from lock file") on every machine. The entries written here
// carry the package's os/cpu/libc so that npm skips them on other platforms,
// exactly as it does for a complete lock file.
//
// Run it after `npm install` changed the lock file: `node infra/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const lockPath = fileURLToPath(new URL('../package-lock.json', import.meta.url));

const OPERATING_SYSTEMS = ['android', 'darwin', 'freebsd', 'linux', 'openharmony', 'win32'];
const CPUS = ['arm64', 'arm', 'x64', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x'];

/** Reads os, cpu and libc from a binding package name such as `…-linux-arm-musleabihf`. */
export function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((part) => OPERATING_SYSTEMS.includes(part));
  const cpu = parts.find((part) => CPUS.includes(part));
  if (!os || !cpu) return undefined;
  const last = parts[parts.length - 1];
  const libc = last.startsWith('musl') ? 'musl' : last.startsWith('gnu') ? 'glibc' : undefined;
  return { os, cpu, libc };
}

function complete(lock) {
  const packages = lock.packages;
  const added = [];
  for (const [path, entry] of Object.entries(packages)) {
    for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
      if (packages[nested] || packages[`node_modules/${name}`]) continue;
      const platform = platformOf(name);
      if (!platform) {
        throw new Error(
          `${name} is missing from the lock file and is not a platform binding: run npm install`,
        );
      }
      packages[`node_modules/${name}`] = {
        version,
        cpu: [platform.cpu],
        ...(entry.dev ? { dev: true } : {}),
        ...(platform.libc ? { libc: [platform.libc] } : {}),
        optional: true,
        os: [platform.os],
      };
      added.push(name);
    }
  }
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  );
  return added;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
  const added = complete(lock);
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(
    added.length ? `package-lock.json: added ${added.join(', ')}` : 'package-lock.json is complete',
  );
}
