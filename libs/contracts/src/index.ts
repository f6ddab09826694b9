export { TOPICS, type TopicName } from './topics.js';
export {
  CE_SOURCE,
  PUBLIC_EVENT_TYPES,
  cloudEventHeaders,
  type AccountClosedV1,
  type AccountOpenedV1,
  type CloudEventHeaders,
  type FundsDepositedV1,
  type FundsWithdrawnV1,
  type PublicEventName,
  type PublicEventPayloads,
} from './account-events.js';
