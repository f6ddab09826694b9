// One thread of measureHttp's load (http-load.mjs): its share of the
// keep-alive connections, each sending one request, reading its whole answer,
// then sending the next (no pipelining), until told to stop. Each request is
// one of the variants, at random, written out once as bytes up front, so the
// client's cost per request is a write, a read and finding where the answer
// ends — what the server is measured against, not the client's own work.
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{host: string, port: number, connections: number, requests: string[], maxLatencyUs: number}} */
const { host, port, connections, requests, maxLatencyUs } = workerData;
const parent = parentPort;
const payloads = requests.map((r) => Buffer.from(r, 'latin1'));
const HEADERS_END = Buffer.from('\r\n\r\n');

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
    this.buffered = Buffer.alloc(0);
    this.startedAt = 0;
    this.open();
  }

  open() {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('connect', () => this.send());
    this.socket.on('data', (chunk) => this.receive(chunk));
    this.socket.on('error', (err) => count(errors, err.code ?? err.message));
    this.socket.on('close', () => {
      this.buffered = Buffer.alloc(0);
      if (!stopping) setTimeout(() => this.open(), 10);
    });
  }

  send() {
    if (stopping) return void this.socket.end();
    this.startedAt = performance.now();
    this.socket.write(payloads[Math.floor(Math.random() * payloads.length)]);
  }

  receive(chunk) {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headersEnd = this.buffered.indexOf(HEADERS_END);
    if (headersEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headersEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length === null) {
      // Every answer of these services has a length (Fastify sets it); anything else is a broken exchange.
      count(errors, 'answer without content-length');
      return void this.socket.destroy();
    }
    const end = headersEnd + HEADERS_END.length + Number(length[1]);
    if (this.buffered.length < end) return;
    if (this.buffered.length > end) {
      count(errors, 'more bytes than the answer');
      return void this.socket.destroy();
    }
    this.buffered = Buffer.alloc(0);
    const status = head.slice(9, 12);
    if (counting) {
      count(statuses, status);
      if (status[0] === '2') {
        const us = Math.round((performance.now() - this.startedAt) * 1000);
        latencies[Math.min(us, maxLatencyUs)]++;
      }
    }
    if (/\r\nconnection: *close/i.test(head)) return void this.socket.end();
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
