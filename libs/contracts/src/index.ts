export { TOPICS, type TopicName } from './topics.js';
export {
  CE_SOURCE,
  PUBLIC_EVENT_TYPES,
  TRANSFER_FAILURE_REASONS,
  cloudEventHeaders,
  type AccountClosedV1,
  type AccountOpenedV1,
  type CloudEventHeaders,
  type FundsDepositedV1,
  type FundsWithdrawnV1,
  type PublicEventName,
  type PublicEventPayloads,
  type PublicEventType,
  type TransferCompletedV1,
  type TransferFailedV1,
  type TransferFailureReason,
} from './account-events.js';
export {
  CLOUD_EVENT_HEADERS_SCHEMA,
  PUBLIC_EVENTS,
  PUBLIC_EVENT_SCHEMAS,
  publicEventByCeType,
  publicEventKey,
  type JsonSchema,
  type PublicEventDescriptor,
  type PublicEventKeyField,
} from './schemas.js';
export { CONTRACT_FORMATS, isDateTime, isUuid } from './formats.js';
export { CURRENCY_PATTERN, MONEY_LIMITS } from './money.js';
