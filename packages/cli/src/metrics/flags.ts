import { Flags } from '@oclif/core';

/** `--metrics-port` and `--metrics-host`, shared by `etl run` and `etl worker`. */
export const metricsFlags = {
  'metrics-port': Flags.integer({
    description:
      'Serve Prometheus metrics on http://<metrics-host>:<port>/metrics while this process runs (0: a free port; the address is printed on stderr).',
    min: 0,
    max: 65535,
  }),
  'metrics-host': Flags.string({
    description: 'Address the metrics server binds to; anything but loopback exposes pipeline and step names.',
    default: '127.0.0.1',
  }),
};

/** `etl run` only: a run ends, but Prometheus scrapes every 15 s or so, so its final numbers would be lost. */
export const lingerFlag = {
  'metrics-linger': Flags.integer({
    description:
      'After the run ends, keep serving /metrics until it is scraped once more (so the final values reach Prometheus), for at most this many seconds (0: stop at once).',
    min: 0,
    default: 30,
  }),
};
