// HTTP/1.1 on the wire, as little of it as the bench's clients need: request
// bytes written out once, and an answer read from a connection's bytes.
// The services always give their answers a length (Fastify sets
// content-length), so that is all an answer is read for.

const HEADERS_END = Buffer.from('\r\n\r\n');

/**
 * A request as sent: HTTP/1.1, keep-alive, a length when it has a body.
 * @param {string} host  host:port
 * @param {string} method
 * @param {string} path
 * @param {Record<string, string>} headers
 * @param {string} [body]
 */
export function requestBytes(host, method, path, headers, body = '') {
  const all = {
    host,
    ...headers,
    ...(body === '' ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
  };
  const lines = Object.entries(all).map(([name, value]) => `${name}: ${value}\r\n`);
  return Buffer.from(`${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n${body}`);
}

/**
 * @typedef {object} Answer
 * @property {number} status
 * @property {Buffer} body
 * @property {boolean} close  the server closes the connection after it
 */

/**
 * A connection's incoming bytes, one request in flight at a time: collects
 * chunks until they hold the whole answer. Throws on a broken exchange (an
 * answer without a content-length, bytes beyond the answer); the caller
 * counts it and drops the connection.
 */
export class AnswerReader {
  constructor() {
    this.buffered = Buffer.alloc(0);
  }

  /**
   * @param {Buffer} chunk
   * @returns {Answer | undefined}  undefined while the answer is incomplete
   */
  push(chunk) {
    const buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    this.buffered = buffered;
    const headersEnd = buffered.indexOf(HEADERS_END);
    if (headersEnd < 0) return undefined;
    const head = buffered.toString('latin1', 0, headersEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length === null) throw new Error('answer without content-length');
    const bodyStart = headersEnd + HEADERS_END.length;
    const end = bodyStart + Number(length[1]);
    if (buffered.length < end) return undefined;
    if (buffered.length > end) throw new Error('more bytes than the answer');
    this.buffered = Buffer.alloc(0);
    return {
      status: Number(head.slice(9, 12)),
      body: buffered.subarray(bodyStart, end),
      close: /\r\nconnection: *close/i.test(head),
    };
  }
}
