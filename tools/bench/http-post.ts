import http from 'node:http';

/** POSTs one JSON body over the agent's keep-alive connections; resolves with the status once the answer is read. */
export function post(target: URL, agent: http.Agent, auth: string, body: Buffer): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', authorization: auth, 'content-length': body.length };
    const req = http.request(target, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
