import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { PUBLIC_EVENT_TYPES, type PublicEventName } from './account-events.js';
import {
  CLOUD_EVENT_HEADERS_SCHEMA,
  PUBLIC_EVENTS,
  PUBLIC_EVENT_SCHEMAS,
  type JsonSchema,
} from './schemas.js';
import { TOPICS } from './topics.js';
import { compileAlone, compileContract, describeErrors } from './testing/contract-ajv.js';

// docs/asyncapi.yaml against the shipped contract: same topics, same events, same ce_type
// values, payload and header schemas that are the shipped files, examples that validate.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DOC_PATH = join(ROOT, 'docs', 'asyncapi.yaml');
const SCHEMAS_DIR = join(ROOT, 'libs', 'contracts', 'schemas');
const DRAFT_07 = 'application/schema+json;version=draft-07';

type Node = Record<string, unknown>;
const doc = parse(readFileSync(DOC_PATH, 'utf8')) as Node;
const contract = compileContract();
const NAMES = Object.keys(PUBLIC_EVENT_TYPES) as PublicEventName[];

function at(node: unknown, ...path: string[]): Node {
  let current = node;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !(key in current)) {
      throw new Error(`no ${path.join('.')} in docs/asyncapi.yaml`);
    }
    current = (current as Node)[key];
  }
  return current as Node;
}

/** Follows a `$ref`: a JSON pointer into the document, or a file path relative to docs/. */
function deref(node: Node): Node {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  if (ref.startsWith('#/')) {
    const keys = ref
      .slice(2)
      .split('/')
      .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    return deref(at(doc, ...keys));
  }
  return JSON.parse(readFileSync(resolve(dirname(DOC_PATH), ref), 'utf8')) as Node;
}

/** A copy of a schema with every file `$ref` replaced by the file's content, for Ajv. */
function bundle(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(bundle);
  if (typeof node !== 'object' || node === null) return node;
  const { $ref } = node as Node;
  if (typeof $ref === 'string' && !$ref.startsWith('#')) return deref(node as Node);
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, bundle(v)]));
}

/** Every `$ref` string in the document, with where it is. */
function refs(node: unknown, path = ''): [string, string][] {
  if (Array.isArray(node)) return node.flatMap((v, i) => refs(v, `${path}/${i}`));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([k, v]) =>
    k === '$ref' && typeof v === 'string' ? [[path, v] as [string, string]] : refs(v, `${path}/${k}`),
  );
}

const message = (name: string): Node => deref(at(doc, 'channels', 'accountEvents', 'messages', name));

describe('docs/asyncapi.yaml', () => {
  it('is an AsyncAPI 3.0 document with the local Kafka server', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(at(doc, 'info').version).toBe('1.0.0');
    expect(doc.defaultContentType).toBe('application/json');
    expect(at(doc, 'servers', 'local')).toMatchObject({ host: '127.0.0.1:9092', protocol: 'kafka' });
  });

  it('has only $refs that resolve', () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(0);
    for (const [where, ref] of all) {
      if (ref.startsWith('#/')) expect(() => deref({ $ref: ref })).not.toThrow();
      else
        expect({ where, exists: existsSync(resolve(dirname(DOC_PATH), ref)) }).toEqual({
          where,
          exists: true,
        });
    }
  });

  it('describes the three topics of SPEC §7, and no other', () => {
    const channels = at(doc, 'channels');
    const addresses = Object.values(channels).map((c) => (c as Node).address);
    expect(addresses.sort()).toEqual(Object.values(TOPICS).sort());
    expect(at(channels, 'accountEvents').address).toBe(TOPICS.accountEvents);
    expect(at(channels, 'ledgerInternal').address).toBe(TOPICS.ledgerInternal);
    expect(at(channels, 'projectorDeadLetters').address).toBe(TOPICS.projectorDlq);
    for (const [id, channel] of Object.entries(channels)) {
      expect({ id, topic: at(channel, 'bindings', 'kafka').topic }).toEqual({
        id,
        topic: (channel as Node).address,
      });
    }
  });

  it('lists exactly the public events on the public topic', () => {
    expect(Object.keys(at(doc, 'channels', 'accountEvents', 'messages'))).toEqual(NAMES);
  });

  it.each(NAMES)('describes %s with the shipped payload schema', (name) => {
    const d = PUBLIC_EVENTS[name];
    const m = message(name);
    expect(m.name).toBe(name);
    expect(String(m.description)).toContain(`\`${d.ceType}\``);
    const payload = at(m, 'payload');
    expect(payload.schemaFormat).toBe(DRAFT_07);
    const ref = at(payload, 'schema').$ref as string;
    expect(relative(SCHEMAS_DIR, resolve(dirname(DOC_PATH), ref))).toBe(d.schemaFile);
    expect(deref(at(payload, 'schema'))).toEqual(PUBLIC_EVENT_SCHEMAS[name]);
  });

  it.each(NAMES)('gives %s the shipped CloudEvents headers with its own ce_type', (name) => {
    const headers = at(message(name), 'headers');
    expect(headers.schemaFormat).toBe(DRAFT_07);
    const [shared, own, ...rest] = at(headers, 'schema').allOf as Node[];
    expect(rest).toEqual([]);
    expect(basename(shared.$ref as string)).toBe('cloudevent-headers.v1.schema.json');
    expect(deref(shared)).toEqual(CLOUD_EVENT_HEADERS_SCHEMA);
    expect(at(own, 'properties', 'ce_type').const).toBe(PUBLIC_EVENTS[name].ceType);

    const validate = compileAlone(bundle(at(headers, 'schema')) as JsonSchema);
    const example = at(message(name), 'examples', '0', 'headers');
    expect(validate(example)).toBe(true);
    const otherType = NAMES.find((n) => n !== name)!;
    expect(validate({ ...example, ce_type: PUBLIC_EVENT_TYPES[otherType] })).toBe(false);
  });

  it.each(NAMES)('keys %s by the documented field, as a UUID, with the correlation id header', (name) => {
    const m = message(name);
    const { keyField } = PUBLIC_EVENTS[name];
    expect(m['x-key-field']).toBe(keyField);
    const key = at(m, 'bindings', 'kafka', 'key');
    expect(key).toMatchObject({ type: 'string', format: 'uuid' });
    expect(String(key.description)).toContain(keyField);
    expect(String(m.description)).toContain(`ce_subject: \`${keyField}\``);
    const traits = (m.traits as Node[]).map(deref);
    expect(traits).toContainEqual(
      expect.objectContaining({
        contentType: 'application/json',
        correlationId: { $ref: '#/components/correlationIds/correlationIdHeader' },
      }),
    );
    expect(deref(at(doc, 'components', 'correlationIds', 'correlationIdHeader')).location).toBe(
      '$message.header#/correlation-id',
    );
  });

  it.each(NAMES)('has %s examples that the shipped schemas accept, keyed and timed consistently', (name) => {
    const examples = at(message(name), 'examples') as unknown as { headers: Node; payload: Node }[];
    expect(examples.length).toBeGreaterThan(0);
    for (const { headers, payload } of examples) {
      const validate = contract.events[name];
      if (!validate(payload)) throw new Error(`${name} example: ${describeErrors(validate.errors)}`);
      if (!contract.headers(headers))
        throw new Error(`${name} headers: ${describeErrors(contract.headers.errors)}`);
      expect(headers.ce_type).toBe(PUBLIC_EVENTS[name].ceType);
      expect(headers.ce_subject).toBe(payload[PUBLIC_EVENTS[name].keyField]);
      expect(headers.ce_time).toBe(payload.occurredAt);
    }
  });

  it('gives every event a distinct ce_id in the examples (it is the dedupe key)', () => {
    const ids = NAMES.flatMap((name) =>
      (at(message(name), 'examples') as unknown as { headers: Node }[]).map((e) => e.headers.ce_id),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('offers consumers a receive operation on every topic, all public events on the public one', () => {
    const operations = Object.values(at(doc, 'operations')) as Node[];
    expect(operations.every((o) => o.action === 'receive')).toBe(true);
    const channels = operations.map((o) => deref(at(o, 'channel')).address);
    expect(channels.sort()).toEqual(Object.values(TOPICS).sort());

    const consume = at(doc, 'operations', 'consumeAccountEvents');
    expect(at(consume, 'channel').$ref).toBe('#/channels/accountEvents');
    const listed = (consume.messages as Node[]).map((ref) => ref.$ref);
    expect(listed).toEqual(NAMES.map((n) => `#/channels/accountEvents/messages/${n}`));
    expect(at(consume, 'bindings', 'kafka', 'groupId')).toMatchObject({ type: 'string' });
  });

  it('states the delivery guarantees consumers rely on', () => {
    const description = String(at(doc, 'info').description);
    expect(description).toMatch(/at least once/i);
    expect(description).toContain('ce_id');
    expect(description).toContain('accountVersion');
    expect(description).toContain('bank.account-events.v2');
    expect(description).toMatch(/no personal data/i);
  });
});
