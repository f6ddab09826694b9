// HTTP/1.1 on the wire, as little of it as the bench's clients need: request
// bytes written out once, and where an answer in a connection's buffer ends.
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
 * @property {number} end  bytes of the buffer the answer takes
 * @property {number} bodyStart
 * @property {boolean} close  the server closes the connection after it
 */

/**
 * The first answer in `buffer`: undefined while it is incomplete; throws on
 * an answer without a content-length (a broken exchange for these services).
 * @param {Buffer} buffer
 * @returns {Answer | undefined}
 */
export function answerIn(buffer) {
  const headersEnd = buffer.indexOf(HEADERS_END);
  if (headersEnd < 0) return undefined;
  const head = buffer.toString('latin1', 0, headersEnd);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (length === null) throw new Error('answer without content-length');
  const bodyStart = headersEnd + HEADERS_END.length;
  const end = bodyStart + Number(length[1]);
  if (buffer.length < end) return undefined;
  return { status: Number(head.slice(9, 12)), end, bodyStart, close: /\r\nconnection: *close/i.test(head) };
}
