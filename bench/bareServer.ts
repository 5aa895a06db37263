/**
 * The baseline the benchmarks divide by: bare `node:http`, reads the body, answers JSON, nothing else.
 * Run as a child process: `node --import tsx bench/bareServer.ts` prints `{"port":N}` once listening.
 */
import http from 'node:http';

const server = http.createServer((req, res) => {
  let length = 0;
  req.on('data', (chunk: Buffer) => (length += chunk.length));
  req.on('end', () => {
    const body = JSON.stringify({ code: 10000, msg: 'ok', data: { bytes: length } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
