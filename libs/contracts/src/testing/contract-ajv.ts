import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { PublicEventName } from '../account-events.js';
import { CONTRACT_FORMATS } from '../formats.js';
import { CLOUD_EVENT_HEADERS_SCHEMA, PUBLIC_EVENTS, type JsonSchema } from '../schemas.js';

/**
 * Test support: validators for the shipped schemas. Ajv is a devDependency, so
 * this stays out of `index.ts` (the contract itself has no runtime dependency).
 */

/** A strict draft-07 Ajv that knows the contract's formats. */
export function contractAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true });
  for (const [name, predicate] of Object.entries(CONTRACT_FORMATS)) ajv.addFormat(name, predicate);
  return ajv;
}

export interface ContractValidators {
  headers: ValidateFunction;
  events: { readonly [N in PublicEventName]: ValidateFunction };
}

/** One compiled validator per shipped schema. */
export function compileContract(ajv: Ajv = contractAjv()): ContractValidators {
  const events = Object.fromEntries(
    Object.values(PUBLIC_EVENTS).map((d) => [d.name, ajv.compile(d.schema as object)]),
  ) as ContractValidators['events'];
  return { headers: ajv.compile(CLOUD_EVENT_HEADERS_SCHEMA as object), events };
}

/** Compiles one schema on a fresh Ajv (schemas with an `$id` can be added to an instance only once). */
export function compileAlone(schema: JsonSchema): ValidateFunction {
  return contractAjv().compile(schema as object);
}

/** Ajv's errors as one readable line, for failure messages. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`).join('; ');
}
