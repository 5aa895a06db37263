/**
 * The framework's own ceiling for bench:services: an Express 4 route that reads the body with the
 * gateway's own body reader and answers an envelope, nothing else. Run as a child process: prints
 * `{"port":N}` once listening.
 */
import express from 'express';
import { readBody } from '../services/gateway/body.ts';
import { ResultCode } from '../services/protocol/codes.ts';

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.post('/api/charge.do', async (req, res) => {
  const body = await readBody(req, 4096);
  res.status(202).json({ code: ResultCode.OK, msg: 'queued', data: { fields: body.ok ? Object.keys(body.fields).length : 0 } });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
