// Runs before each integration test file: quiet logs unless asked otherwise.
process.env.LOG_LEVEL ??= 'warn';
process.env.NODE_ENV = 'test';
// Each test file's projector is a new consumer group that starts at the end of
// the shared internal topic (earlier runs left their messages there).
process.env.PROJECTOR_GROUP_ID ??= `test-projector-${process.pid}-${Date.now()}`;
process.env.PROJECTOR_START_FROM ??= 'latest';
// The transfer process manager runs only in the suites about transfers; they
// give it a fresh group positioned at the end of the internal topic (see
// test/support/transfers.ts) so that it never works on earlier runs' transfers.
process.env.TRANSFER_SAGA ??= 'off';
process.env.TRANSFER_SAGA_GROUP_ID ??= `test-transfer-saga-${process.pid}-${Date.now()}`;
