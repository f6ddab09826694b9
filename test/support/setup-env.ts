// Runs before each integration test file: quiet logs unless asked otherwise.
process.env.LOG_LEVEL ??= 'warn';
process.env.NODE_ENV = 'test';
