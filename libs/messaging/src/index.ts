export { KAFKA, KafkaModule, KafkaReadiness, createKafka } from './kafka.module.js';
