// A lean HTTP/1.1 client for load drivers: a bounded pool of keep-alive
// connections per host, each carrying one request at a time, over node:net
// (http-wire.mjs: request bytes written out directly, answers read as far as
// status, length and body). node:http costs several times more CPU per
// request, global fetch (undici) more still, and on a small machine the
// driver competes with the apps it measures. The pool is bounded as a load
// generator's must be: an open loop opening a connection per waiting
// request overflows the server's accept queue (SYNs dropped, retried after
// 1 s, 3 s, 7 s…) and measures that instead of the app; requests beyond the
// pool wait in it, and whoever times them from their scheduled moment counts
// that wait.
import { connect } from 'node:net';
import { AnswerReader, requestBytes } from './http-wire.mjs';

/**
 * @param {number} connections  at most this many connections per host
 * @returns {(url: string, options?: { method?: string, headers?: Record<string, string>, body?: string }) =>
 *   Promise<{ status: number, text: string }>}
 */
export function httpClient(connections) {
  /** @type {Map<string, Pool>} */
  const pools = new Map();
  return (url, { method = 'GET', headers = {}, body } = {}) => {
    const { host, hostname, port, pathname, search } = new URL(url);
    let pool = pools.get(host);
    if (!pool) {
      pool = new Pool(hostname, Number(port), connections);
      pools.set(host, pool);
    }
    return pool.request(requestBytes(host, method, pathname + search, headers, body));
  };
}

class Pool {
  constructor(hostname, port, size) {
    this.hostname = hostname;
    this.port = port;
    this.size = size;
    /** @type {Connection[]} */
    this.idle = [];
    this.open = 0;
    /** @type {{ bytes: Buffer, resolve: Function, reject: Function }[]} */
    this.waiting = [];
  }

  request(bytes) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ bytes, resolve, reject });
      this.next();
    });
  }

  /** Gives the oldest waiting request a connection, if one is idle or may be opened. */
  next() {
    while (this.waiting.length > 0) {
      let connection = this.idle.pop();
      if (!connection) {
        if (this.open >= this.size) return;
        this.open++;
        connection = new Connection(this);
      }
      connection.send(this.waiting.shift());
    }
  }

  released(connection) {
    this.idle.push(connection);
    this.next();
  }

  closed(connection) {
    this.open--;
    this.idle = this.idle.filter((c) => c !== connection);
    this.next();
  }
}

class Connection {
  constructor(pool) {
    this.pool = pool;
    this.reader = new AnswerReader();
    /** @type {{ resolve: Function, reject: Function } | undefined} */
    this.current = undefined;
    this.socket = connect({ host: pool.hostname, port: pool.port, noDelay: true });
    this.socket.on('data', (chunk) => this.receive(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => {
      this.fail(new Error('the server closed the connection'));
      this.pool.closed(this);
    });
  }

  send({ bytes, resolve, reject }) {
    this.current = { resolve, reject };
    this.socket.write(bytes);
  }

  receive(chunk) {
    let answer;
    try {
      answer = this.reader.push(chunk);
    } catch (err) {
      this.fail(err);
      return void this.socket.destroy();
    }
    if (answer === undefined) return;
    const { resolve } = this.current ?? {};
    this.current = undefined;
    resolve?.({ status: answer.status, text: answer.body.toString('utf8') });
    if (answer.close) this.socket.end();
    else this.pool.released(this);
  }

  fail(err) {
    const { reject } = this.current ?? {};
    this.current = undefined;
    reject?.(err);
  }
}
