// Loaded into the server process with NODE_OPTIONS=--import when PEERS_PROFILE=1: samples from start to exit
// and writes the profile into PEERS_PROFILE_DIR.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 200 });
session.post('Profiler.start');
process.on('exit', () => {
  session.post('Profiler.stop', (err, result) => {
    if (err || !process.env.PEERS_PROFILE_DIR) return;
    mkdirSync(process.env.PEERS_PROFILE_DIR, { recursive: true });
    writeFileSync(
      `${process.env.PEERS_PROFILE_DIR}/server-${process.pid}.cpuprofile`,
      JSON.stringify(result.profile),
    );
  });
});
