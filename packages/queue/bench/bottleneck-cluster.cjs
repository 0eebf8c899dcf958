// Bottleneck clustering on this Redis: a fixed-window reservoir, and ERR SETTINGS_KEY_NOT_FOUND once its keys are gone.
// Run: node packages/queue/bench/bottleneck-cluster.cjs (Redis on 127.0.0.1:6379). Printed on 2026-11-30, Redis 7.0.15:
//   started 200 in 10477 ms; most starts in a rolling 10 s: 160
//   after key loss: ERR SETTINGS_KEY_NOT_FOUND
// Two Bottleneck limiters (one "process" each) sharing id "bn-check" in Redis: reservoir 100 per 10 s refreshed.
// Bottleneck as core has it (the one etl uses).
const Bottleneck = require(require.resolve('bottleneck', { paths: [`${__dirname}/../../core`] }));
const Redis = require('ioredis');
const id = `bn-check-${Date.now()}`;
const mk = () =>
  new Bottleneck({
    id,
    datastore: 'ioredis',
    clearDatastore: false,
    clientOptions: { host: '127.0.0.1', port: 6379 },
    reservoir: 100,
    reservoirRefreshAmount: 100,
    reservoirRefreshInterval: 10_000,
    maxConcurrent: 10,
  });
(async () => {
  const a = mk(),
    b = mk();
  a.on('error', (e) => console.log('A error', e.message));
  b.on('error', (e) => console.log('B error', e.message));
  const times = [];
  const job = () => {
    times.push(Date.now());
    return Promise.resolve();
  };
  const t0 = Date.now();
  try {
    // 40 at once, then 60 near the end of the window, then 100 just after the refresh.
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).schedule(job)));
    await new Promise((r) => setTimeout(r, 9000));
    const rest = Array.from({ length: 160 }, (_, i) => (i % 2 ? a : b).schedule(job));
    await Promise.all(rest);
  } catch (e) {
    console.log('schedule error:', e.message);
  }
  times.sort((x, y) => x - y);
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 10_000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  console.log(`started ${times.length} in ${Date.now() - t0} ms; most starts in a rolling 10 s: ${peak}`);
  // Issue #205/#219: after the keys expire or are removed (Redis restart, FLUSHDB, eviction), does a running limiter recover?
  const r = new Redis();
  const keys = await r.keys(`b_${id}*`);
  console.log('keys', keys.length);
  await r.del(...keys);
  try {
    await a.schedule(job);
    console.log('after key loss: ok');
  } catch (e) {
    console.log('after key loss:', e.message);
  }
  await r.quit();
  await a.disconnect(false);
  await b.disconnect(false);
})();
