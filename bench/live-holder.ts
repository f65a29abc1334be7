/**
 * One holder process of `npm run bench:live`: opens its share of the live devices' event streams
 * (`/v1/sync/events`), and on every poke pulls like a device would (from its cursor), then tells the parent
 * when the pull finished. Run by bench/live.bench.ts with `fork`; it speaks over IPC only.
 */
import { Agent, request } from 'node:http';

interface Device {
  /** Index among all devices, to report by. */
  n: number;
  base: string;
  token: string;
  cursor?: string;
  pulling: boolean;
  again: boolean;
}
type Start = { kind: 'start'; devices: { n: number; base: string; token: string }[]; concurrency: number };

const now = () => performance.timeOrigin + performance.now();
const pullAgent = new Agent({ keepAlive: true, maxSockets: 32 });
const send = (m: unknown) => process.send?.(m);

function open(d: Device): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${d.base}/v1/sync/events`,
      { agent: false, headers: { authorization: `Bearer ${d.token}` } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`event stream: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        resolve();
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          buf += chunk;
          let end = buf.indexOf('\n\n');
          while (end >= 0) {
            const frame = buf.slice(0, end);
            buf = buf.slice(end + 2);
            if (frame.startsWith('event: poke')) void pull(d);
            end = buf.indexOf('\n\n');
          }
        });
        res.on('close', () => send({ kind: 'closed', n: d.n }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Pulls until `has_more` is false; a poke during a pull runs one more pull after it. */
async function pull(d: Device): Promise<void> {
  if (d.pulling) {
    d.again = true;
    return;
  }
  d.pulling = true;
  try {
    do {
      d.again = false;
      let more = true;
      const titles: string[] = [];
      while (more) {
        const page = await get(
          `${d.base}/v1/sync/pull${d.cursor ? `?cursor=${encodeURIComponent(d.cursor)}` : ''}`,
          d.token,
        );
        const body = JSON.parse(page) as {
          changes: { data: { title?: string } | null }[];
          cursor: string;
          has_more: boolean;
        };
        d.cursor = body.cursor;
        more = body.has_more;
        for (const c of body.changes) if (c.data?.title) titles.push(c.data.title);
      }
      send({ kind: 'pulled', n: d.n, at: now(), titles });
    } while (d.again);
  } catch (e: unknown) {
    send({ kind: 'error', n: d.n, message: e instanceof Error ? e.message : String(e) });
  } finally {
    d.pulling = false;
  }
}

function get(url: string, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: pullAgent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(text) : reject(new Error(`pull: HTTP ${res.statusCode} ${text}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

process.on('message', async (m: Start) => {
  if (m.kind !== 'start') return;
  const devices: Device[] = m.devices.map((d) => ({ ...d, pulling: false, again: false }));
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < devices.length) {
      const d = devices[next++]!;
      try {
        await open(d);
      } catch (e: unknown) {
        failed++;
        send({ kind: 'error', n: d.n, message: e instanceof Error ? e.message : String(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, worker));
  send({ kind: 'opened', count: devices.length - failed, failed });
});
