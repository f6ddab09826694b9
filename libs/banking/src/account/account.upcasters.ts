import type { AccountOpenedData } from './account.events.js';

/** `AccountOpened` schema v1, as written before v2 renamed two fields. */
export type AccountOpenedV1Data = {
  accountId: string;
  ownerId: string;
  /** The full name, "First Last". */
  owner: string;
  currency: string;
  initialBalance: number;
};

/**
 * AccountOpened v1 → v2: `owner` → `ownerName`, `initialBalance` → `initialDeposit`.
 * A pure field mapping: it moves `owner` as it is, so it works the same whether
 * the store runs it before or after decrypting the name.
 */
export function upcastAccountOpenedV1(data: AccountOpenedV1Data): AccountOpenedData {
  return {
    accountId: data.accountId,
    ownerId: data.ownerId,
    ownerName: data.owner,
    currency: data.currency,
    initialDeposit: data.initialBalance,
  };
}

/**
 * AccountOpened v2 → v3: the same fields. v3 marks the rows whose `ownerName`
 * the persistence layer sealed (encrypted) before writing; a v2 row holds it in
 * plain text, which the decrypting reader passes through (and hides once the
 * owner's personal data is erased). Sealing needs a key, so no pure upcaster
 * could encrypt an old row: it keeps the shape and lets the reader decide.
 */
export function upcastAccountOpenedV2(data: AccountOpenedData): AccountOpenedData {
  return { ...data };
}

/** Every upcaster of the account stream, for the event store's registry: (type, fromVersion) → next. */
export const ACCOUNT_UPCASTERS: readonly {
  type: string;
  fromVersion: number;
  upcast: (data: Record<string, unknown>) => Record<string, unknown>;
}[] = [
  {
    type: 'AccountOpened',
    fromVersion: 1,
    upcast: (data) => upcastAccountOpenedV1(data as unknown as AccountOpenedV1Data),
  },
  {
    type: 'AccountOpened',
    fromVersion: 2,
    upcast: (data) => upcastAccountOpenedV2(data as unknown as AccountOpenedData),
  },
];
