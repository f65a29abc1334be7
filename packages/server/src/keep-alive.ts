/**
 * Node's HTTP server drops an idle keep-alive connection after 5 s, about when a client (undici's fetch keeps
 * sockets 4 s) may reuse it: the request then dies with ECONNRESET. Idle connections are kept for 65 s instead
 * (the usual setting behind load balancers), with the header timeout just above it.
 */
export function keepConnectionsAlive(server: object): void {
  Object.assign(server, { keepAliveTimeout: 65_000, headersTimeout: 66_000 });
}
