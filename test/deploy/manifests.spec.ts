// Deployment files against the code: Dockerfile, docker-compose.yml and every YAML under k8s/.
// There is no Docker engine or cluster in CI, so this is what keeps them right: every app in
// apps/ is deployed everywhere, on its default PORT, with probes on /health/live and
// /health/ready, and every environment variable the files set is a field of BaseConfig or of
// the app's config class (loadConfig silently ignores unknown names, so a misspelt one would
// otherwise never be noticed).
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const exists = (path: string): boolean => existsSync(join(ROOT, path));

/**
 * Environment variables the deployment files may set although no config class declares them.
 * Keep this list short: each entry needs a reason.
 */
const NOT_CONFIG: Record<string, string> = {
  APP: 'Dockerfile: selects dist/apps/$APP/src/main.js',
  NODE_OPTIONS: 'read by node itself (the Dockerfile sets --enable-source-maps)',
};

/** Postgres-only apps and the migrate CLI load BaseConfig. */
const BASE = 'BaseConfig';

// ---------------------------------------------------------------------------------------------
// Facts read from the code
// ---------------------------------------------------------------------------------------------

const FIELD_RE = /^\s+(?:override\s+)?([A-Z][A-Z0-9_]+)[?]?:/gm;
const PORT_RE = /^\s+(?:override\s+)?PORT[?]?\s*:\s*number\s*=\s*(\d+)/m;

function configFields(source: string): Set<string> {
  return new Set([...source.matchAll(FIELD_RE)].map((m) => m[1]!));
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

interface AppFacts {
  name: string;
  port: number;
  /** Every variable the app's config reads: BaseConfig's fields plus its own class's. */
  fields: Set<string>;
  /** The app talks to Kafka (imports KafkaModule / KafkaReadiness). */
  usesKafka: boolean;
  /** The app verifies bearer tokens (imports AuthModule), so it needs JWT_SECRET or JWT_PUBLIC_KEY. */
  usesAuth: boolean;
  /** The app seals or opens personal data (SPEC §8), so production needs PERSONAL_DATA_MASTER_KEY. */
  usesPersonalData: boolean;
}

const baseConfigSource = read('libs/platform/src/config/base.config.ts');
const BASE_FIELDS = configFields(baseConfigSource);
const BASE_PORT = Number(PORT_RE.exec(baseConfigSource)?.[1]);

const APPS: AppFacts[] = readdirSync(join(ROOT, 'apps'))
  .filter((name) => statSync(join(ROOT, 'apps', name)).isDirectory())
  .sort()
  .map((name) => {
    const configPath = `apps/${name}/src/${name}.config.ts`;
    const source = exists(configPath) ? read(configPath) : '';
    const port = PORT_RE.exec(source)?.[1];
    const sources = tsFiles(`apps/${name}/src`).map(read);
    return {
      name,
      port: port === undefined ? BASE_PORT : Number(port),
      fields: new Set([...BASE_FIELDS, ...configFields(source)]),
      usesKafka: sources.some((f) => /\bKafka(Module|Readiness)\b/.test(f)),
      usesAuth: sources.some((f) => /\bAuthModule\b/.test(f)),
      usesPersonalData: sources.some((f) => /\bPERSONAL_DATA_FIELDS\b/.test(f)),
    };
  });
const APP = new Map(APPS.map((a) => [a.name, a]));
/** Either one configures token verification (BaseConfig, SPEC §5). */
const JWT_KEYS = ['JWT_SECRET', 'JWT_PUBLIC_KEY'];

function allowedVars(consumer: string): Set<string> {
  const fields = consumer === BASE ? BASE_FIELDS : (APP.get(consumer)?.fields ?? new Set<string>());
  return new Set([...fields, ...Object.keys(NOT_CONFIG)]);
}

/** tsconfig.build.json emits `<rootDir>/x.ts` as `<outDir>/x.js`; returns the source of a dist path. */
function sourceOf(distPath: string): string | undefined {
  const m = /^(?:\.\/)?dist\/(.+)\.js$/.exec(distPath);
  return m ? `${m[1]}.ts` : undefined;
}

const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string>; type?: string };
/** The migrate CLI as package.json runs it (`npm run migrate`). */
const MIGRATE_ENTRY = /node\s+(dist\/\S+\.js)/.exec(packageJson.scripts['migrate'] ?? '')?.[1];

// ---------------------------------------------------------------------------------------------
// YAML shapes (only the fields the checks read)
// ---------------------------------------------------------------------------------------------

interface EnvVar {
  name: string;
  value?: unknown;
}
interface EnvFrom {
  configMapRef?: { name: string };
  secretRef?: { name: string };
}
interface Probe {
  httpGet?: { path?: string; port?: number | string };
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[] };
}
interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: EnvFrom[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: SecurityContext;
}
interface PodSpec {
  containers?: Container[];
  securityContext?: SecurityContext;
}
interface K8sDoc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  data?: Record<string, unknown>;
  stringData?: Record<string, unknown>;
  spec?: {
    selector?: { matchLabels?: Record<string, string> } & Record<string, unknown>;
    template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec };
    ports?: { port: number; targetPort?: number | string }[];
    scaleTargetRef?: { kind?: string; name?: string };
  };
}
interface Generator {
  name: string;
  literals?: string[];
  envs?: string[];
}
interface Kustomization {
  resources?: string[];
  components?: string[];
  patches?: { path?: string }[];
  patchesStrategicMerge?: string[];
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
}
interface Loaded<T> {
  file: string;
  doc: T;
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml
// ---------------------------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, unknown> };
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  ports?: (string | number)[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services ?? {};
const builtFromDockerfile = Object.entries(services).filter(([, s]) => s.build !== undefined);

function composeEnv(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const i = entry.indexOf('=');
        return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

function dependsOn(service: ComposeService): Record<string, string | undefined> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v?.condition]));
}

const commandText = (c: string | string[] | undefined): string =>
  Array.isArray(c) ? c.join(' ') : (c ?? '');
const buildArgs = (s: ComposeService): Record<string, unknown> =>
  typeof s.build === 'object' ? (s.build.args ?? {}) : {};

// ---------------------------------------------------------------------------------------------
// k8s/
// ---------------------------------------------------------------------------------------------

function yamlFilesUnder(dir: string): string[] {
  if (!exists(dir)) return [];
  return readdirSync(join(ROOT, dir))
    .sort()
    .flatMap((name) => {
      const path = `${dir}/${name}`;
      if (statSync(join(ROOT, path)).isDirectory()) return yamlFilesUnder(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
}

const K8S_FILES = yamlFilesUnder('k8s');
const K8S_PARSE_ERRORS: string[] = [];
const K8S_DOCS: Loaded<K8sDoc>[] = K8S_FILES.flatMap((file) =>
  parseAllDocuments(read(file)).flatMap((document) => {
    for (const error of document.errors) K8S_PARSE_ERRORS.push(`${file}: ${error.message}`);
    const doc = document.toJS() as K8sDoc | null;
    return doc ? [{ file, doc }] : [];
  }),
);
const KUSTOMIZATIONS: Loaded<Kustomization>[] = K8S_DOCS.filter(
  ({ file, doc }) => doc.kind === 'Kustomization' || /(^|\/)kustomization\.ya?ml$/.test(file),
).map(({ file, doc }) => ({ file, doc: doc as Kustomization }));
const MANIFESTS = K8S_DOCS.filter(({ doc }) => doc.kind !== 'Kustomization');
const IN_BASE = (file: string): boolean => file.startsWith('k8s/base/');

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
const workloads = MANIFESTS.filter(({ doc }) => WORKLOAD_KINDS.has(doc.kind ?? ''));

/** Whose config a workload loads: an app's, BaseConfig (migrate CLI), or none (third-party image). */
function consumerOf({ doc }: Loaded<K8sDoc>): string | undefined {
  const name = doc.metadata?.name ?? '';
  if (APP.has(name) && doc.kind === 'Deployment') return name;
  const containers = doc.spec?.template?.spec?.containers ?? [];
  if (containers.some((c) => (c.command ?? []).concat(c.args ?? []).some((a) => a === MIGRATE_ENTRY))) {
    return BASE;
  }
  if (containers.some((c) => c.image?.split(':')[0] === 'cqrs-bank')) return `unknown workload ${name}`;
  return undefined;
}

function generatorKeys(g: Generator, kustomizationFile: string): string[] {
  const fromLiterals = (g.literals ?? []).map((l) => l.split('=')[0]!.trim());
  const fromEnvFiles = (g.envs ?? []).flatMap((envFile) =>
    read(join(dirname(kustomizationFile), envFile))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split('=')[0]!.trim()),
  );
  return [...fromLiterals, ...fromEnvFiles];
}

/** Keys of every ConfigMap / Secret by name, from manifests, overlay patches and generators. */
function envSources(kind: 'ConfigMap' | 'Secret'): Map<string, { where: string; key: string }[]> {
  const sources = new Map<string, { where: string; key: string }[]>();
  const add = (name: string, where: string, keys: string[]) =>
    sources.set(name, [...(sources.get(name) ?? []), ...keys.map((key) => ({ where, key }))]);
  for (const { file, doc } of MANIFESTS.filter(({ doc }) => doc.kind === kind)) {
    add(doc.metadata?.name ?? '', file, [
      ...Object.keys(doc.data ?? {}),
      ...Object.keys(doc.stringData ?? {}),
    ]);
  }
  for (const { file, doc } of KUSTOMIZATIONS) {
    const generators = (kind === 'ConfigMap' ? doc.configMapGenerator : doc.secretGenerator) ?? [];
    for (const g of generators)
      add(
        g.name,
        `${file} (${kind === 'ConfigMap' ? 'configMap' : 'secret'}Generator)`,
        generatorKeys(g, file),
      );
  }
  return sources;
}

function resolvePort(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

const baseDeployment = (app: string): Loaded<K8sDoc> | undefined =>
  workloads.find(({ file, doc }) => IN_BASE(file) && doc.kind === 'Deployment' && doc.metadata?.name === app);
const baseService = (app: string): Loaded<K8sDoc> | undefined =>
  MANIFESTS.find(({ file, doc }) => IN_BASE(file) && doc.kind === 'Service' && doc.metadata?.name === app);
const appContainer = (doc: K8sDoc, app: string): Container | undefined =>
  doc.spec?.template?.spec?.containers?.find((c) => c.name === app) ??
  doc.spec?.template?.spec?.containers?.[0];
const envValue = (c: Container | undefined, name: string): string | undefined => {
  const value = c?.env?.find((e) => e.name === name)?.value;
  return value === undefined ? undefined : String(value);
};

// ---------------------------------------------------------------------------------------------
// Dockerfile
// ---------------------------------------------------------------------------------------------

interface Instruction {
  stage: number;
  op: string;
  args: string;
}

/** Instructions with line continuations joined and comments dropped; `stage` counts FROMs. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (!line && !pending)) continue;
    const continued = line.endsWith('\\');
    pending += `${continued ? line.slice(0, -1) : line} `;
    if (continued) continue;
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(pending.trim()) ?? [];
    pending = '';
    if (op.toUpperCase() === 'FROM') stage += 1;
    instructions.push({ stage, op: op.toUpperCase(), args: args.trim() });
  }
  return instructions;
}

const DOCKERFILE = parseDockerfile(read('Dockerfile'));
const FINAL_STAGE = Math.max(...DOCKERFILE.map((i) => i.stage));
const finalStage = DOCKERFILE.filter((i) => i.stage === FINAL_STAGE);
const lastOf = (op: string): Instruction | undefined => finalStage.filter((i) => i.op === op).at(-1);

// =============================================================================================

describe('deployment files match the code', () => {
  it('reads the facts it checks against from the code', () => {
    // Guards the regexes: if the config classes change shape, fail here instead of passing vacuously.
    expect(APPS.map((a) => a.name)).toEqual(
      expect.arrayContaining(['command-service', 'outbox-relay', 'projector', 'query-service']),
    );
    expect([...BASE_FIELDS]).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'KAFKA_BROKERS']));
    expect(Number.isInteger(BASE_PORT)).toBe(true);
    for (const app of APPS) {
      expect(exists(`apps/${app.name}/src/main.ts`)).toBe(true);
      expect(read(`apps/${app.name}/src/${app.name}.config.ts`)).toMatch(/extends BaseConfig\b/);
    }
    expect(new Set(APPS.map((a) => a.port)).size).toBe(APPS.length);
    expect(MIGRATE_ENTRY).toBeDefined();
    expect(exists(sourceOf(MIGRATE_ENTRY ?? '') ?? '-')).toBe(true);
    // The dist layout sourceOf() assumes.
    const tsconfig = JSON.parse(read('tsconfig.json')) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    expect(tsconfig.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
    expect(packageJson.type).toBe('module');
  });

  describe('Dockerfile', () => {
    it('builds in stages: npm ci, npm run build, then production dependencies only', () => {
      const runs = DOCKERFILE.filter((i) => i.op === 'RUN');
      expect(DOCKERFILE.filter((i) => i.op === 'FROM').length).toBeGreaterThanOrEqual(3);
      expect(runs.some((i) => i.stage < FINAL_STAGE && /\bnpm ci\b(?!.*--omit=dev)/.test(i.args))).toBe(true);
      expect(runs.some((i) => i.stage < FINAL_STAGE && /\bnpm run build\b/.test(i.args))).toBe(true);
      expect(finalStage.some((i) => i.op === 'RUN' && /\bnpm ci\b.*--omit=dev/.test(i.args))).toBe(true);
      expect(finalStage.some((i) => i.op === 'COPY' && /--from=\S+.*\bdist\b/.test(i.args))).toBe(true);
      // "type": "module" in package.json is what makes node load dist/ as ESM.
      expect(finalStage.some((i) => i.op === 'COPY' && /\bpackage\.json\b/.test(i.args))).toBe(true);
    });

    it('runs as a numeric non-root user', () => {
      const user = lastOf('USER')?.args.split(':')[0];
      expect(user).toMatch(/^\d+$/);
      expect(Number(user)).toBeGreaterThan(0);
    });

    it('selects the app with ARG/ENV APP and starts an existing apps/<app>/src/main.ts', () => {
      expect(finalStage.some((i) => i.op === 'ARG' && /^APP(=|$)/.test(i.args))).toBe(true);
      expect(finalStage.some((i) => i.op === 'ENV' && /^APP[= ]\$\{?APP\}?/.test(i.args))).toBe(true);
      const cmd = lastOf('CMD')?.args ?? '';
      expect(cmd.startsWith('[')).toBe(true); // exec form
      const entry = (JSON.parse(cmd) as string[])
        .join(' ')
        .match(/dist\/apps\/\$\{?APP\}?\/src\/main\.js/)?.[0];
      expect(entry).toBeDefined();
      for (const app of APPS) {
        const source = sourceOf(entry!.replace(/\$\{?APP\}?/, app.name));
        expect(source).toBe(`apps/${app.name}/src/main.ts`);
        expect(exists(source!)).toBe(true);
      }
      const defaultApp = finalStage.find((i) => i.op === 'ARG' && i.args.startsWith('APP='))?.args.slice(4);
      if (defaultApp) expect(APP.has(defaultApp)).toBe(true);
    });

    it('exposes every app port and health-checks /health/live on the right one', () => {
      const exposed = finalStage
        .filter((i) => i.op === 'EXPOSE')
        .flatMap((i) => i.args.split(/\s+/))
        .map((p) => Number(p.split('/')[0]));
      expect(exposed.sort((a, b) => a - b)).toEqual(APPS.map((a) => a.port).sort((a, b) => a - b));
      const healthcheck = lastOf('HEALTHCHECK')?.args ?? '';
      expect(healthcheck).toContain('/health/live');
      expect(healthcheck).toMatch(/\bfetch\(/);
      const ports = Object.fromEntries(
        [...healthcheck.matchAll(/'([a-z][a-z0-9-]*)'\s*:\s*(\d+)/g)].map((m) => [m[1], Number(m[2])]),
      );
      expect(ports).toEqual(Object.fromEntries(APPS.map((a) => [a.name, a.port])));
    });

    it('.dockerignore keeps node_modules and dist out of the build context', () => {
      const ignored = read('.dockerignore')
        .split('\n')
        .map((l) => l.trim());
      expect(ignored).toEqual(expect.arrayContaining(['dist', '.git', '.local']));
      expect(ignored.some((l) => /^(\*\*\/)?node_modules\/?$/.test(l))).toBe(true);
    });
  });

  describe('docker-compose.yml', () => {
    it('has one service per app, built from the Dockerfile with its APP', () => {
      const problems: string[] = [];
      for (const app of APPS) {
        const service = services[app.name];
        if (!service) {
          problems.push(`${app.name}: no compose service`);
          continue;
        }
        if (buildArgs(service)['APP'] !== app.name) {
          problems.push(`${app.name}: build.args.APP must be ${app.name}`);
        }
        const build = service.build;
        const dockerfile = typeof build === 'object' ? (build.dockerfile ?? 'Dockerfile') : 'Dockerfile';
        const context = typeof build === 'object' ? (build.context ?? '.') : (build ?? '.');
        if (!exists(join(context, dockerfile))) problems.push(`${app.name}: no ${join(context, dockerfile)}`);
      }
      for (const [name, service] of builtFromDockerfile) {
        const app = buildArgs(service)['APP'];
        if (typeof app !== 'string' || !APP.has(app)) {
          problems.push(`${name}: build.args.APP ${String(app)} is no app`);
        }
        const custom = commandText(service.command);
        if (custom && !(MIGRATE_ENTRY && custom.includes(MIGRATE_ENTRY))) {
          problems.push(`${name}: command ${custom} is neither an app nor ${MIGRATE_ENTRY}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('publishes and health-checks each app on its default PORT', () => {
      const problems: string[] = [];
      for (const app of APPS) {
        const service = services[app.name];
        if (!service) continue;
        const env = composeEnv(service);
        if (env['PORT'] !== undefined && Number(env['PORT']) !== app.port) {
          problems.push(`${app.name}: PORT=${env['PORT']}, the app's default is ${app.port}`);
        }
        const containerPorts = (service.ports ?? []).map((p) =>
          Number(String(p).split(':').at(-1)!.split('/')[0]),
        );
        if (!containerPorts.includes(app.port)) problems.push(`${app.name}: does not publish ${app.port}`);
        const test = commandText(service.healthcheck?.test);
        if (!new RegExp(`:${app.port}/health/(live|ready)\\b`).test(test)) {
          problems.push(`${app.name}: healthcheck must probe :${app.port}/health/live or /health/ready`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('sets only environment variables the config classes declare', () => {
      const problems: string[] = [];
      for (const [name, service] of builtFromDockerfile) {
        const consumer = commandText(service.command).includes(MIGRATE_ENTRY ?? '\0')
          ? BASE
          : String(buildArgs(service)['APP']);
        const allowed = allowedVars(consumer);
        for (const key of Object.keys(composeEnv(service))) {
          if (!allowed.has(key)) problems.push(`${name}: ${key} is not a field of ${consumer}'s config`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('starts the apps after Postgres, the migrations and (for Kafka users) Kafka', () => {
      const problems: string[] = [];
      const migrate = builtFromDockerfile.find(([, s]) =>
        commandText(s.command).includes(MIGRATE_ENTRY ?? '\0'),
      );
      if (!migrate) problems.push(`no one-shot service runs ${MIGRATE_ENTRY}`);
      const postgres = Object.entries(services).find(([, s]) => /^postgres:16\b/.test(s.image ?? ''));
      const kafka = Object.entries(services).find(([, s]) => /^apache\/kafka:/.test(s.image ?? ''));
      if (!postgres?.[1].healthcheck?.test) problems.push('no Postgres 16 service with a healthcheck');
      if (!kafka?.[1].healthcheck?.test) problems.push('no apache/kafka service with a healthcheck');
      for (const app of APPS) {
        const service = services[app.name];
        if (!service) continue;
        const deps = dependsOn(service);
        const env = composeEnv(service);
        const want: [string | undefined, string][] = [
          [postgres?.[0], 'service_healthy'],
          [migrate?.[0], 'service_completed_successfully'],
          ...(app.usesKafka ? [[kafka?.[0], 'service_healthy'] as [string | undefined, string]] : []),
        ];
        for (const [dep, condition] of want) {
          if (dep && deps[dep] !== condition) {
            problems.push(`${app.name}: depends_on ${dep} needs ${condition}`);
          }
        }
        if (env['MIGRATIONS_RUN'] !== 'false') problems.push(`${app.name}: MIGRATIONS_RUN must be 'false'`);
        if (!env['DATABASE_URL']) problems.push(`${app.name}: no DATABASE_URL`);
        if (app.usesKafka && !env['KAFKA_BROKERS']) {
          problems.push(`${app.name}: uses Kafka but has no KAFKA_BROKERS`);
        }
        if (app.usesAuth && !JWT_KEYS.some((k) => env[k])) {
          problems.push(`${app.name}: uses AuthModule (NODE_ENV=${env['NODE_ENV']}) but has no JWT_SECRET`);
        }
        if (app.usesPersonalData && !env['PERSONAL_DATA_MASTER_KEY']) {
          problems.push(`${app.name}: seals or opens personal data but has no PERSONAL_DATA_MASTER_KEY`);
        }
      }
      expect(problems).toEqual([]);
    });

    it("points DATABASE_URL and KAFKA_BROKERS at the compose Postgres and Kafka's internal listener", () => {
      const problems: string[] = [];
      const [pgName, pg] = Object.entries(services).find(([, s]) => /^postgres:/.test(s.image ?? '')) ?? [];
      const [kafkaName, kafka] =
        Object.entries(services).find(([, s]) => /^apache\/kafka:/.test(s.image ?? '')) ?? [];
      const kafkaEnv = kafka ? composeEnv(kafka) : {};
      expect(kafkaEnv['KAFKA_PROCESS_ROLES']?.split(',').sort()).toEqual(['broker', 'controller']);
      for (const key of [
        'KAFKA_NODE_ID',
        'KAFKA_LISTENERS',
        'KAFKA_CONTROLLER_QUORUM_VOTERS',
        'CLUSTER_ID',
      ]) {
        if (!kafkaEnv[key]) problems.push(`${kafkaName}: ${key} is not set`);
      }
      const advertised = (kafkaEnv['KAFKA_ADVERTISED_LISTENERS'] ?? '')
        .split(',')
        .map((l) => l.split('://')[1]);
      const database = pg ? composeEnv(pg)['POSTGRES_DB'] : undefined;
      for (const [name, service] of builtFromDockerfile) {
        const env = composeEnv(service);
        if (env['DATABASE_URL']) {
          const url = new URL(env['DATABASE_URL']);
          if (url.hostname !== pgName || url.pathname !== `/${database}`) {
            problems.push(`${name}: DATABASE_URL ${env['DATABASE_URL']} is not ${pgName}/${database}`);
          }
        }
        for (const broker of env['KAFKA_BROKERS']?.split(',') ?? []) {
          if (!advertised.includes(broker) || !broker.startsWith(`${kafkaName}:`)) {
            problems.push(`${name}: broker ${broker} is not an advertised listener of ${kafkaName}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('k8s/', () => {
    it('parses every YAML document', () => {
      expect(K8S_FILES.length).toBeGreaterThan(0);
      expect(K8S_PARSE_ERRORS).toEqual([]);
    });

    it('kustomizations name only files that exist, and every YAML file is used by one', () => {
      const problems: string[] = [];
      const used = new Set<string>();
      expect(KUSTOMIZATIONS.map((k) => k.file)).toEqual(
        expect.arrayContaining(['k8s/base/kustomization.yaml']),
      );
      for (const { file, doc } of KUSTOMIZATIONS) {
        used.add(file);
        const dir = dirname(file);
        const paths = [
          ...(doc.resources ?? []),
          ...(doc.components ?? []),
          ...(doc.patchesStrategicMerge ?? []),
          ...(doc.patches ?? []).flatMap((p) => (p.path ? [p.path] : [])),
          ...[...(doc.configMapGenerator ?? []), ...(doc.secretGenerator ?? [])].flatMap((g) => g.envs ?? []),
        ];
        for (const path of paths) {
          const target = relative(ROOT, resolve(ROOT, dir, path));
          if (!exists(target)) {
            problems.push(`${file}: ${path} does not exist`);
          } else if (statSync(join(ROOT, target)).isDirectory()) {
            if (!exists(`${target}/kustomization.yaml`)) {
              problems.push(`${file}: ${path} has no kustomization.yaml`);
            }
          } else {
            used.add(target);
          }
        }
      }
      for (const file of K8S_FILES) if (!used.has(file)) problems.push(`${file} is in no kustomization`);
      expect(problems).toEqual([]);
    });

    it('the base has a Deployment and a Service for every app, and nothing for a missing app', () => {
      const problems: string[] = [];
      for (const app of APPS) {
        if (!baseDeployment(app.name)) problems.push(`${app.name}: no Deployment in k8s/base`);
        if (!baseService(app.name)) problems.push(`${app.name}: no Service in k8s/base`);
      }
      for (const w of workloads) {
        const consumer = consumerOf(w);
        if (consumer?.startsWith('unknown')) problems.push(`${w.file}: ${consumer} runs the cqrs-bank image`);
      }
      expect(problems).toEqual([]);
    });

    it('each Deployment runs its app on its default PORT with live/ready probes there', () => {
      const problems: string[] = [];
      for (const app of APPS) {
        const deployment = baseDeployment(app.name);
        if (!deployment) continue;
        const { doc, file } = deployment;
        const where = `${file} ${app.name}`;
        const container = appContainer(doc, app.name);
        if (!container) {
          problems.push(`${where}: no container`);
          continue;
        }
        if (container.image?.split(':')[0] !== 'cqrs-bank') problems.push(`${where}: image is not cqrs-bank`);
        const started =
          envValue(container, 'APP') ??
          /dist\/apps\/([^/]+)\/src\/main\.js/.exec(
            (container.command ?? []).concat(container.args ?? []).join(' '),
          )?.[1];
        if (started !== app.name) problems.push(`${where}: starts ${started}, not ${app.name}`);
        const port = envValue(container, 'PORT');
        if (port !== undefined && Number(port) !== app.port) {
          problems.push(`${where}: PORT=${port}, default ${app.port}`);
        }
        if (!container.ports?.some((p) => p.containerPort === app.port)) {
          problems.push(`${where}: no containerPort ${app.port}`);
        }
        const probes: [string, Probe | undefined, string][] = [
          ['livenessProbe', container.livenessProbe, '/health/live'],
          ['readinessProbe', container.readinessProbe, '/health/ready'],
          ...(container.startupProbe
            ? [['startupProbe', container.startupProbe, '/health/live'] as [string, Probe, string]]
            : []),
        ];
        for (const [name, probe, path] of probes) {
          if (probe?.httpGet?.path !== path) problems.push(`${where}: ${name} must GET ${path}`);
          const probePort = resolvePort(container, probe?.httpGet?.port);
          if (probePort !== app.port) {
            problems.push(`${where}: ${name} port ${probePort}, app listens on ${app.port}`);
          }
        }
        const labels = doc.spec?.template?.metadata?.labels ?? {};
        const selector = doc.spec?.selector?.matchLabels ?? {};
        if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) {
          problems.push(`${where}: selector does not match the pod`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('each Service selects its app and serves its PORT', () => {
      const problems: string[] = [];
      for (const app of APPS) {
        const service = baseService(app.name);
        const deployment = baseDeployment(app.name);
        if (!service || !deployment) continue;
        const labels = deployment.doc.spec?.template?.metadata?.labels ?? {};
        const selector = (service.doc.spec?.selector ?? {}) as Record<string, string>;
        if (!Object.keys(selector).length || !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
          problems.push(`${app.name}: Service selector does not match the Deployment's pods`);
        }
        const container = appContainer(deployment.doc, app.name);
        const ports = service.doc.spec?.ports ?? [];
        if (!ports.some((p) => p.port === app.port)) {
          problems.push(`${app.name}: Service port is not ${app.port}`);
        }
        for (const p of ports) {
          const target = container && resolvePort(container, p.targetPort ?? p.port);
          if (target !== app.port) {
            problems.push(`${app.name}: Service targetPort ${p.targetPort} → ${target}, not ${app.port}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('sets only environment variables the config classes declare (env, ConfigMaps, Secrets)', () => {
      const problems: string[] = [];
      const consumers = new Map<string, Set<string>>(); // "ConfigMap/name" -> apps that load it
      const configMaps = envSources('ConfigMap');
      const secrets = envSources('Secret');
      for (const w of workloads) {
        const consumer = consumerOf(w);
        if (!consumer) continue;
        const allowed = allowedVars(consumer);
        for (const c of w.doc.spec?.template?.spec?.containers ?? []) {
          for (const { name } of c.env ?? []) {
            if (!allowed.has(name)) {
              problems.push(`${w.file} ${c.name}: env ${name} is not a field of ${consumer}'s config`);
            }
          }
          for (const from of c.envFrom ?? []) {
            const [kind, ref, known] = from.configMapRef
              ? ['ConfigMap', from.configMapRef.name, configMaps]
              : ['Secret', from.secretRef?.name ?? '', secrets];
            if (!known.has(ref)) {
              problems.push(`${w.file} ${c.name}: envFrom ${kind} ${ref} is defined nowhere`);
            }
            const key = `${kind}/${ref}`;
            consumers.set(key, new Set([...(consumers.get(key) ?? []), consumer]));
          }
        }
      }
      for (const [kind, sources] of [
        ['ConfigMap', configMaps],
        ['Secret', secrets],
      ] as const) {
        for (const [name, keys] of sources) {
          const users = consumers.get(`${kind}/${name}`);
          if (!users) {
            problems.push(`${kind} ${name} (${keys[0]?.where}) is loaded by no app`);
            continue;
          }
          for (const { where, key } of keys) {
            if (![...users].some((u) => allowedVars(u).has(key))) {
              problems.push(`${where}: ${key} is not a field of the config of ${[...users].join(', ')}`);
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('apps that use Kafka, verify tokens or handle personal data get KAFKA_BROKERS / a JWT key / the master key', () => {
      const problems: string[] = [];
      const configMaps = envSources('ConfigMap');
      const secrets = envSources('Secret');
      for (const app of APPS) {
        const container = baseDeployment(app.name) && appContainer(baseDeployment(app.name)!.doc, app.name);
        if (!container) continue;
        const names = new Set([
          ...(container.env ?? []).map((e) => e.name),
          ...(container.envFrom ?? []).flatMap(
            (from) =>
              (from.configMapRef
                ? configMaps.get(from.configMapRef.name)
                : secrets.get(from.secretRef?.name ?? '')
              )?.map((s) => s.key) ?? [],
          ),
        ]);
        if (app.usesKafka && !names.has('KAFKA_BROKERS')) problems.push(`${app.name}: no KAFKA_BROKERS`);
        if (app.usesAuth && !JWT_KEYS.some((k) => names.has(k))) {
          problems.push(`${app.name}: imports AuthModule but gets neither ${JWT_KEYS.join(' nor ')}`);
        }
        if (app.usesPersonalData && !names.has('PERSONAL_DATA_MASTER_KEY')) {
          problems.push(`${app.name}: seals or opens personal data but gets no PERSONAL_DATA_MASTER_KEY`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('app pods run non-root, read-only, without privilege escalation or capabilities, with resources', () => {
      const problems: string[] = [];
      const dockerUser = Number(lastOf('USER')?.args.split(':')[0]);
      for (const w of workloads.filter((w) => IN_BASE(w.file) && consumerOf(w))) {
        const pod = w.doc.spec?.template?.spec ?? {};
        for (const c of pod.containers ?? []) {
          const where = `${w.file} ${w.doc.metadata?.name}/${c.name}`;
          const sc = { ...pod.securityContext, ...c.securityContext };
          if (sc.runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot`);
          if (sc.runAsUser !== undefined && sc.runAsUser !== dockerUser) {
            problems.push(`${where}: runAsUser ${sc.runAsUser}, the Dockerfile's USER is ${dockerUser}`);
          }
          if (c.securityContext?.readOnlyRootFilesystem !== true) {
            problems.push(`${where}: readOnlyRootFilesystem`);
          }
          if (c.securityContext?.allowPrivilegeEscalation !== false) {
            problems.push(`${where}: allowPrivilegeEscalation`);
          }
          if (!c.securityContext?.capabilities?.drop?.includes('ALL')) {
            problems.push(`${where}: capabilities.drop ALL`);
          }
          for (const r of ['cpu', 'memory']) {
            if (c.resources?.requests?.[r] === undefined) problems.push(`${where}: no ${r} request`);
          }
          if (c.resources?.limits?.['memory'] === undefined) problems.push(`${where}: no memory limit`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('a migration Job runs the migrate CLI, and the apps do not migrate themselves', () => {
      const jobs = workloads.filter((w) => IN_BASE(w.file) && w.doc.kind === 'Job' && consumerOf(w) === BASE);
      expect(jobs.map((j) => j.doc.metadata?.name)).toHaveLength(1);
      const literals = KUSTOMIZATIONS.filter((k) => IN_BASE(k.file)).flatMap((k) =>
        (k.doc.configMapGenerator ?? []).flatMap((g) => g.literals ?? []),
      );
      const configMapData = MANIFESTS.filter(({ file, doc }) => IN_BASE(file) && doc.kind === 'ConfigMap')
        .map(({ doc }) => doc.data?.['MIGRATIONS_RUN'])
        .filter((v) => v !== undefined)
        .map((v) => `MIGRATIONS_RUN=${String(v)}`);
      expect([...literals.filter((l) => l.startsWith('MIGRATIONS_RUN=')), ...configMapData]).toEqual([
        'MIGRATIONS_RUN=false',
      ]);
    });

    it('autoscales command-service and query-service, and every HPA targets an app Deployment', () => {
      const hpas = MANIFESTS.filter(({ doc }) => doc.kind === 'HorizontalPodAutoscaler');
      const problems: string[] = [];
      for (const { file, doc } of hpas) {
        if (doc.apiVersion !== 'autoscaling/v2') {
          problems.push(`${file}: ${doc.metadata?.name} is not autoscaling/v2`);
        }
        const target = doc.spec?.scaleTargetRef;
        if (target && (target.kind !== 'Deployment' || !APP.has(target.name ?? ''))) {
          problems.push(`${file}: ${doc.metadata?.name} targets ${target.kind} ${target.name}`);
        }
      }
      const targets = hpas
        .filter(({ file }) => IN_BASE(file))
        .map(({ doc }) => doc.spec?.scaleTargetRef?.name);
      expect(problems).toEqual([]);
      expect(targets.sort()).toEqual(['command-service', 'query-service']);
    });

    it('Secrets hold placeholders only', () => {
      const values = MANIFESTS.filter(({ file, doc }) => IN_BASE(file) && doc.kind === 'Secret').flatMap(
        ({ doc }) => Object.values({ ...doc.data, ...doc.stringData }).map(String),
      );
      expect(values.length).toBeGreaterThan(0);
      for (const value of values) expect(value).toMatch(/CHANGE_ME/);
    });
  });
});
