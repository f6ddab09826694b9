#!/usr/bin/env node
// `npm run token -- --sub <id> --roles customer[,teller] [--ttl 3600] [--secret …]`
// Prints a development HS256 bearer token for the services (SPEC §5).
// The key is --secret, else JWT_SECRET from the environment, else the same
// public development secret the services fall back to outside production
// (DEV_JWT_SECRET in libs/platform/src/auth/jwt-key.ts — keep the two equal).
// Plain Node ESM with node:crypto only, so it runs without a build.
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';

const DEV_JWT_SECRET = 'dev-only-insecure-secret-change-me-never-use-in-production';
const ROLES = ['customer', 'teller', 'admin'];
const USAGE = `Usage: npm run token -- --sub <id> [--roles customer[,teller,admin]] [--ttl seconds]
                       [--secret <at least 32 chars>] [--iss <issuer>] [--aud <audience>]

  --sub     the subject: for a customer, the ownerId of its accounts (required)
  --roles   comma-separated subset of ${ROLES.join(', ')} (default: customer)
  --ttl     lifetime in seconds (default: 3600)
  --secret  HS256 secret (default: $JWT_SECRET, else the development secret);
            prefer JWT_SECRET: arguments show up in shell history and ps
  --iss     issuer claim (default: $JWT_ISSUER, if set)
  --aud     audience claim (default: $JWT_AUDIENCE, if set)`;

function fail(message) {
  process.stderr.write(`token: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      sub: { type: 'string' },
      roles: { type: 'string', default: 'customer' },
      ttl: { type: 'string', default: '3600' },
      secret: { type: 'string' },
      iss: { type: 'string' },
      aud: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  fail(err.message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

if (!values.sub) fail('--sub is required');
const roles = [
  ...new Set(
    values.roles
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  ),
];
const unknown = roles.filter((r) => !ROLES.includes(r));
if (unknown.length > 0) fail(`unknown role(s): ${unknown.join(', ')}`);
if (!/^[1-9]\d*$/.test(values.ttl)) fail('--ttl must be a positive whole number of seconds');

const secret = values.secret || process.env.JWT_SECRET || DEV_JWT_SECRET;
if (secret.length < 32) fail('the secret must be at least 32 characters (as JWT_SECRET must)');
if (secret === DEV_JWT_SECRET) {
  process.stderr.write(
    'token: signed with the public development secret: only a non-production service with neither JWT_SECRET nor JWT_PUBLIC_KEY accepts it\n',
  );
}
if (!values.secret && !process.env.JWT_SECRET && process.env.JWT_PUBLIC_KEY) {
  process.stderr.write(
    'token: JWT_PUBLIC_KEY is set, so the services expect RS256 and will refuse this token\n',
  );
}

const now = Math.floor(Date.now() / 1000);
const claims = { sub: values.sub, roles, iat: now, exp: now + Number(values.ttl) };
const iss = values.iss ?? process.env.JWT_ISSUER;
const aud = values.aud ?? process.env.JWT_AUDIENCE;
if (iss) claims.iss = iss;
if (aud) claims.aud = aud;

const encode = (value) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
const signature = createHmac('sha256', secret).update(input).digest('base64url');
process.stdout.write(`${input}.${signature}\n`);
