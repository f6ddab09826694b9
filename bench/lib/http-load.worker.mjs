// One thread of measureHttp's load (http-load.mjs): its share of the
// keep-alive connections, each sending one request, reading its whole answer,
// then sending the next (no pipelining), until told to stop. Each request is
// one of the variants, at random, written out once as bytes up front, so the
// client's cost per request is a write, a read and finding where the answer
// ends — what the server is measured against, not the client's own work.
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { AnswerReader } from './http-wire.mjs';

/** @type {{host: string, port: number, connections: number, requests: Uint8Array[], maxLatencyUs: number}} */
const { host, port, connections, requests, maxLatencyUs } = workerData;
const parent = parentPort;
const payloads = requests.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength));

/** Latency histogram of the counted 2xx answers, one bucket per microsecond (the last: anything slower). */
let latencies = new Uint32Array(maxLatencyUs + 1);
let statuses = new Map();
let errors = new Map();
let counting = false;
let stopping = false;

const count = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);

/** One keep-alive connection's request/answer loop; reconnects when the server closes it. */
class Connection {
  constructor() {
    this.startedAt = 0;
    this.open();
  }

  open() {
    this.reader = new AnswerReader();
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('connect', () => this.send());
    this.socket.on('data', (chunk) => this.receive(chunk));
    this.socket.on('error', (err) => count(errors, err.code ?? err.message));
    this.socket.on('close', () => {
      if (!stopping) setTimeout(() => this.open(), 10);
    });
  }

  send() {
    if (stopping) return void this.socket.end();
    this.startedAt = performance.now();
    this.socket.write(payloads[Math.floor(Math.random() * payloads.length)]);
  }

  receive(chunk) {
    let answer;
    try {
      answer = this.reader.push(chunk);
    } catch (err) {
      count(errors, err.message);
      return void this.socket.destroy();
    }
    if (answer === undefined) return;
    if (counting) {
      count(statuses, String(answer.status));
      if (answer.status >= 200 && answer.status < 300) {
        const us = Math.round((performance.now() - this.startedAt) * 1000);
        latencies[Math.min(us, maxLatencyUs)]++;
      }
    }
    if (answer.close) return void this.socket.end();
    this.send();
  }
}

const open = Array.from({ length: connections }, () => new Connection());

parent.on('message', (message) => {
  if (message === 'count') {
    latencies = new Uint32Array(maxLatencyUs + 1);
    statuses = new Map();
    errors = new Map();
    counting = true;
  } else if (message === 'stop') {
    counting = false;
    stopping = true;
    parent.postMessage(
      { latencies, statuses: Object.fromEntries(statuses), errors: Object.fromEntries(errors) },
      [latencies.buffer],
    );
    for (const connection of open) connection.socket.destroy();
  }
});
parent.postMessage('ready');
