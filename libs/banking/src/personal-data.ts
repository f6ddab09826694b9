/**
 * Which event fields hold personal data (SPEC §8), and whose: the persistence
 * layer seals `field` under the data key of the owner named by `ownerField`
 * before an event is stored, and opens it (or hides it, once erased) on read.
 * The domain itself only ever sees plain strings.
 */
export interface PersonalDataField {
  type: string;
  field: string;
  ownerField: string;
}

export const PERSONAL_DATA_FIELDS: readonly PersonalDataField[] = [
  { type: 'AccountOpened', field: 'ownerName', ownerField: 'ownerId' },
];
