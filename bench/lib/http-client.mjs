// A lean HTTP/1.1 client for load drivers: node:http over a bounded pool of
// keep-alive connections. Global fetch (undici) costs several times more CPU
// per request, and on a small machine the driver would compete with the apps
// it measures. The pool is bounded as a load generator's must be: an open
// loop opening a connection per waiting request overflows the server's
// accept queue (SYNs dropped, retried after 1 s, 3 s, 7 s…) and measures
// that instead of the app; requests beyond the pool wait in it, and whoever
// times them from their scheduled moment counts that wait.

import http from 'node:http';

/**
 * @param {number} connections  at most this many connections per host
 * @returns {(url: string, options?: { method?: string, headers?: Record<string, string>, body?: string }) =>
 *   Promise<{ status: number, text: string }>}
 */
export function httpClient(connections) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  return (url, { method = 'GET', headers = {}, body } = {}) =>
    new Promise((resolve, reject) => {
      const req = http.request(url, {
        method,
        agent,
        headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode, text }));
      });
      req.end(body);
    });
}
