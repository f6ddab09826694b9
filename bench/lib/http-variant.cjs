'use strict';
// autocannon's `setupRequest` for measureHttp (http-load.mjs). With workers,
// autocannon runs in worker threads that can only `require` a file, not take
// a function: this one gives each request one of the variants (path and/or
// body) measureHttp wrote to the JSON file BENCH_HTTP_VARIANTS names, at random.
const { readFileSync } = require('node:fs');

const variants = JSON.parse(readFileSync(process.env.BENCH_HTTP_VARIANTS, 'utf8'));

module.exports = function setupRequest(request) {
  return { ...request, ...variants[Math.floor(Math.random() * variants.length)] };
};
