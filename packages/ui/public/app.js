// The dashboard page: plain DOM, no build step, nothing from the internet. Every value from the server goes into the
// page as text (rejects hold raw input data), never as HTML.

const view = document.getElementById('view');
let closeLive = () => {};

/** `h('td', {class: 'num'}, 'text', childNode)`: an element with attributes and text or element children. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const count = (n) => (n === undefined || n === null ? '' : Number(n).toLocaleString('en-US'));
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
function duration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '';
  const s = Math.round(ms / 1000);
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m ${s % 60}s`
      : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
const badge = (status) => h('span', { class: `status status-${status}`, 'data-status': status }, status);

async function api(path, init) {
  const response = await fetch(path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || `${response.status} ${response.statusText}`);
  return body;
}

/** An EventSource that calls `onData` with each parsed message; the browser reconnects by itself. */
function live(path, onData) {
  const source = new EventSource(path);
  source.onmessage = (event) => onData(JSON.parse(event.data));
  return () => source.close();
}

// ---- runs list ----

function showList(params) {
  const filter = { pipeline: params.get('pipeline') || '', status: params.get('status') || '' };
  const pipelineSelect = h(
    'select',
    { id: 'filter-pipeline', 'aria-label': 'Pipeline' },
    h('option', { value: '' }, 'all pipelines'),
  );
  const statusSelect = h(
    'select',
    { id: 'filter-status', 'aria-label': 'Status' },
    ['', 'running', 'succeeded', 'failed', 'interrupted', 'unfinished'].map((s) =>
      h('option', { value: s, selected: s === filter.status }, s || 'any status'),
    ),
  );
  const apply = () => {
    const q = new URLSearchParams();
    if (pipelineSelect.value) q.set('pipeline', pipelineSelect.value);
    if (statusSelect.value) q.set('status', statusSelect.value);
    location.hash = `#/?${q}`;
  };
  pipelineSelect.addEventListener('change', apply);
  statusSelect.addEventListener('change', apply);
  const body = h('tbody');
  const empty = h('p', { class: 'muted', hidden: true }, 'No runs match.');
  const starts = h('div', { id: 'failed-starts' });
  view.replaceChildren(
    starts,
    h('form', { class: 'filters' }, pipelineSelect, statusSelect),
    h(
      'table',
      { id: 'runs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['run', 'started', 'host', 'pipeline', 'profile', 'status'].map((t) => h('th', {}, t)),
          ['read', 'written', 'rejected', 'duration'].map((t) => h('th', { class: 'num' }, t)),
        ),
      ),
      body,
    ),
    empty,
  );
  const known = new Set();
  const q = new URLSearchParams(filter);
  closeLive = live(`/api/runs/events?${q}`, ({ runs, failedStarts }) => {
    starts.replaceChildren(...failedStarts.map(failedStart));
    for (const run of runs) {
      if (known.has(run.pipeline)) continue;
      known.add(run.pipeline);
      pipelineSelect.append(
        h('option', { value: run.pipeline, selected: run.pipeline === filter.pipeline }, run.pipeline),
      );
    }
    if (filter.pipeline && !known.has(filter.pipeline)) {
      known.add(filter.pipeline);
      pipelineSelect.append(h('option', { value: filter.pipeline, selected: true }, filter.pipeline));
    }
    empty.hidden = runs.length > 0;
    body.replaceChildren(...runs.map(runRow));
  });
}

/** A start from this page that exited with an error, with what `etl run` printed (its run may not exist). */
function failedStart(launch) {
  const what = `${launch.pipeline}${launch.profile ? ` --profile ${launch.profile}` : ''}`;
  return h(
    'div',
    { class: 'error' },
    h('strong', {}, `etl run ${what} exited with ${launch.exitCode}`),
    launch.output ? h('pre', {}, launch.output) : null,
  );
}

function runRow(run) {
  const flags = [run.dryRun ? 'dry run' : '', run.upToDate ? 'nothing to do' : ''].filter(Boolean).join(', ');
  return h(
    'tr',
    { 'data-run': run.runId },
    h('td', {}, h('a', { href: `#/runs/${run.runId}` }, run.runId)),
    h('td', {}, when(run.startedAt)),
    h('td', { 'data-col': 'host' }, run.host ?? ''),
    h('td', {}, run.pipeline),
    h('td', {}, run.profile ?? ''),
    h('td', {}, badge(run.status), flags ? h('span', { class: 'muted' }, ` ${flags}`) : null),
    h('td', { class: 'num' }, count(run.read)),
    h('td', { class: 'num' }, count(run.written)),
    h('td', { class: 'num', 'data-col': 'rejected' }, count(run.rejected)),
    h('td', { class: 'num' }, duration(run.durationMs)),
  );
}

// ---- one run ----

function showRun(runId) {
  const title = h('h1', {}, runId);
  const error = h('div', { id: 'failure' });
  const steps = h('div', { id: 'steps' });
  const chart = h('div', { id: 'throughput' });
  const rejects = rejectsPanel(runId);
  const log = h('pre', { class: 'log', id: 'log' });
  view.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← all runs')),
    title,
    error,
    h('h2', {}, 'Steps'),
    steps,
    h('h2', {}, 'Throughput (records per second)'),
    chart,
    h('h2', {}, 'Rejects'),
    rejects.element,
    h('h2', {}, 'Log (last lines)'),
    log,
  );
  let lastRejected = -1;
  const refreshLog = async () => {
    const { lines, filesOn } = await api(`/api/runs/${runId}/log`).catch(() => ({ lines: [] }));
    log.replaceChildren(filesOn ? elsewhere(filesOn) : lines.map(logLine).join('\n'));
    log.scrollTop = log.scrollHeight;
  };
  closeLive = live(`/api/runs/${runId}/events`, (run) => {
    if (!run) return title.replaceChildren(`No run ${runId}.`);
    title.replaceChildren(...runHeading(run));
    error.replaceChildren(...(run.summary?.error ? [failureBox(run.summary.error)] : []));
    steps.replaceChildren(stepsTable(run));
    chart.replaceChildren(throughputChart(run.progress?.samples ?? [], run.summary));
    const rejected = run.rejected ?? 0;
    if (rejected !== lastRejected) {
      lastRejected = rejected;
      rejects.reload();
    }
    refreshLog();
  });
}

function runHeading(run) {
  const parts = [
    h('span', {}, run.pipeline, run.profile ? ` · ${run.profile}` : ''),
    badge(run.status),
    h(
      'span',
      { class: 'muted' },
      `${run.runId} · ${run.host ? `on ${run.host} · ` : ''}started ${when(run.startedAt)} · ${duration(run.durationMs)}`,
    ),
  ];
  if (run.stoppable) {
    const stop = h('button', { class: 'danger', id: 'stop-run', type: 'button' }, 'Stop');
    stop.addEventListener('click', async () => {
      stop.disabled = true;
      stop.textContent = 'Stopping…';
      await api(`/api/runs/${run.runId}/stop`, jsonPost({})).catch((e) => alert(e.message));
    });
    parts.push(stop);
  }
  return parts;
}

/** A run's log and rejects stay in its folder on the host that ran it. */
const elsewhere = (host) => `On ${host}, in the run's folder there: not readable from this machine.`;

function failureBox(error) {
  return h(
    'div',
    { class: 'error' },
    h('strong', {}, `${error.code}: `),
    error.message,
    error.suggestions?.length
      ? h(
          'ul',
          {},
          error.suggestions.map((s) => h('li', {}, s)),
        )
      : null,
  );
}

function stepsTable(run) {
  // Kinds come with the summary; a running run's progress names steps and counts only.
  const rows = run.summary
    ? run.summary.steps.map((s) => ({ ...s, name: s.step }))
    : Object.entries(run.progress?.steps ?? {}).map(([name, s]) => ({ ...s, name }));
  const cols = ['read', 'written', 'rejected', 'unchanged', 'filtered'];
  const kinds = Boolean(run.summary);
  const row = (s) =>
    h(
      'tr',
      { 'data-step': s.name },
      h('td', {}, s.name),
      kinds ? h('td', { class: 'muted' }, s.kind) : null,
      cols.map((c) => h('td', { class: 'num', 'data-col': c }, count(s[c]))),
    );
  const head = h(
    'tr',
    {},
    h('th', {}, 'step'),
    kinds ? h('th', {}, 'kind') : null,
    cols.map((c) => h('th', { class: 'num' }, c)),
  );
  return h('table', { id: 'steps-table' }, h('thead', {}, head), h('tbody', {}, rows.map(row)));
}

const COLORS = ['#0969da', '#1a7f37', '#8250df', '#bf3989', '#9a6700', '#cf222e', '#57606a'];

/** Samples at least `gap` ms apart (the run's last two are written within milliseconds), keeping the last one. */
function spaced(samples, gap = 300) {
  const kept = [];
  for (const s of samples) {
    if (kept.length > 1 && Date.parse(s.at) - Date.parse(kept.at(-1).at) < gap) kept[kept.length - 1] = s;
    else kept.push(s);
  }
  return kept;
}

/** Records per second between samples, one line per step (sources and sinks once the summary tells the kinds). */
function throughputChart(allSamples, summary) {
  const samples = spaced(allSamples);
  if (samples.length < 2) return h('p', { class: 'muted' }, 'Not enough samples yet.');
  const kinds = new Map((summary?.steps ?? []).map((s) => [s.step, s.kind]));
  const names = Object.keys(samples.at(-1).written).filter((n) => !kinds.size || kinds.get(n) !== 'transform');
  const t0 = Date.parse(samples[0].at);
  const series = names.map((name) => [
    [0, 0],
    ...samples.slice(1).map((s, i) => {
      const seconds = (Date.parse(s.at) - Date.parse(samples[i].at)) / 1000;
      const done = (s.written[name] ?? 0) - (samples[i].written[name] ?? 0);
      return [(Date.parse(s.at) - t0) / 1000, seconds > 0 ? done / seconds : 0];
    }),
  ]);
  const maxX = Math.max(1, ...series.flat().map(([x]) => x));
  const maxY = Math.max(1, ...series.flat().map(([, y]) => y));
  const W = 800,
    H = 180,
    P = 30;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  const add = (tag, attrs, text) => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    svg.append(el);
  };
  add('line', { x1: P, y1: H - P, x2: W - 5, y2: H - P, stroke: '#d0d7de' });
  add('text', { x: 2, y: 12, 'font-size': 11, fill: '#656d76' }, `${count(Math.round(maxY))}/s`);
  add('text', { x: W - 60, y: H - 8, 'font-size': 11, fill: '#656d76' }, duration(maxX * 1000));
  series.forEach((points, i) => {
    const d = points.map(
      ([x, y]) => `${(P + (x / maxX) * (W - P - 5)).toFixed(1)},${(H - P - (y / maxY) * (H - P - 15)).toFixed(1)}`,
    );
    add('polyline', { points: d.join(' '), fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 2 });
  });
  // Colours through the CSSOM: the page's content security policy refuses inline style attributes.
  const swatch = (i) => {
    const el = h('i');
    el.style.background = COLORS[i % COLORS.length];
    return el;
  };
  const legend = h(
    'div',
    { class: 'legend' },
    names.map((n, i) => h('span', {}, swatch(i), n)),
  );
  return h('div', {}, svg, legend);
}

function rejectsPanel(runId) {
  const PAGE = 25;
  let offset = 0;
  const search = h('input', {
    type: 'search',
    id: 'rejects-search',
    placeholder: 'search step, location, reason, record',
  });
  const info = h('span', { class: 'muted', id: 'rejects-info' });
  const prev = h('button', { type: 'button', id: 'rejects-prev' }, '‹ previous');
  const next = h('button', { type: 'button', id: 'rejects-next' }, 'next ›');
  const body = h('tbody');
  const load = async () => {
    const q = new URLSearchParams({ offset: String(offset), limit: String(PAGE), search: search.value });
    const page = await api(`/api/runs/${runId}/rejects?${q}`).catch(() => ({ total: 0, items: [] }));
    info.textContent = page.filesOn
      ? elsewhere(page.filesOn)
      : page.total
        ? `${offset + 1}–${offset + page.items.length} of ${count(page.total)}`
        : 'none';
    prev.disabled = offset === 0;
    next.disabled = offset + PAGE >= page.total;
    body.replaceChildren(
      ...page.items.map((r) =>
        h(
          'tr',
          { class: 'reject' },
          h('td', { class: 'num' }, r.n),
          h('td', {}, r.step),
          h('td', {}, r.location ?? ''),
          h('td', {}, r.reason),
          h('td', {}, h('code', { class: 'record' }, JSON.stringify(r.record))),
        ),
      ),
    );
  };
  let typing;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      offset = 0;
      load();
    }, 250);
  });
  prev.addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE);
    load();
  });
  next.addEventListener('click', () => {
    offset += PAGE;
    load();
  });
  const element = h(
    'div',
    { id: 'rejects' },
    h('div', { class: 'pager' }, search, prev, next, info),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { class: 'num' }, '#'),
          ['step', 'location', 'reason', 'record'].map((t) => h('th', {}, t)),
        ),
      ),
      body,
    ),
  );
  return { element, reload: load };
}

/** A JSON log line (`{time, level, msg, …}`) as one readable line. */
function logLine(line) {
  try {
    const { time, level, msg, runId: _r, ...rest } = JSON.parse(line);
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    return `${time ?? ''} ${String(level ?? '')
      .toUpperCase()
      .padEnd(5)} ${msg ?? ''}${extra}`;
  } catch {
    return line;
  }
}

const jsonPost = (body) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

// ---- starting runs ----

async function setUpStartForm() {
  const { pipelines, mode } = await api('/api/pipelines').catch(() => ({ pipelines: [] }));
  if (!pipelines.length) return;
  const form = document.getElementById('start-form');
  const pipeline = document.getElementById('start-pipeline');
  const profile = document.getElementById('start-profile');
  const sandbox = document.getElementById('start-sandbox');
  const note = document.getElementById('start-note');
  pipeline.replaceChildren(...pipelines.map((p) => h('option', { value: p.name }, p.name)));
  const fillProfiles = () => {
    const chosen = pipelines.find((p) => p.name === pipeline.value);
    profile.replaceChildren(
      h('option', { value: '' }, 'no profile'),
      ...(chosen?.profiles ?? []).map((p) => h('option', { value: p }, p)),
    );
  };
  pipeline.addEventListener('change', fillProfiles);
  fillProfiles();
  if (mode === 'queue') sandbox.parentElement.hidden = true;
  form.hidden = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    note.textContent = 'starting…';
    try {
      const launch = await api(
        '/api/runs',
        jsonPost({ pipeline: pipeline.value, profile: profile.value, sandbox: sandbox.checked }),
      );
      note.textContent = launch.jobId ? `queued as job ${launch.jobId}` : `started (pid ${launch.pid})`;
      if (!location.hash.startsWith('#/runs/')) return;
      location.hash = '#/';
    } catch (error) {
      note.textContent = error.message;
    }
  });
}

// ---- routing ----

function route() {
  closeLive();
  const hash = location.hash || '#/';
  const runMatch = /^#\/runs\/([\w-]+)/.exec(hash);
  if (runMatch) showRun(runMatch[1]);
  else showList(new URLSearchParams(hash.split('?')[1] ?? ''));
}

window.addEventListener('hashchange', route);
route();
setUpStartForm();
