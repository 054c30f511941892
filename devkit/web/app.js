// The dev server's trace view: plain JavaScript, no build step. The server turns the segment documents into
// the timeline and the map (src/traces/segments.ts, the same module `npm run traces` uses); this page draws them.
'use strict';

const state = { version: -1, data: null, selected: null, traceVersion: -1 };

/** h('div', { class: 'x' }, 'text', child): DOM elements without innerHTML, so no text is ever parsed as markup. */
function h(tag, attributes, ...children) {
  const svg = ['svg', 'g', 'circle', 'line', 'text', 'path', 'defs', 'marker', 'title'].includes(tag);
  const element = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return element;
}

function formatMs(ms) {
  if (ms === undefined || ms === null) return 'in progress';
  if (ms >= 1000) return (ms / 1000).toFixed(2) + ' s';
  return (ms < 10 ? ms.toFixed(1) : Math.round(ms)) + ' ms';
}

// The same words as the terminal timeline (src/traces/terminal.ts): a duration, or why there is none.
function rowDuration(row) {
  if (row.inProgress) return 'in progress';
  return row.duration === undefined || row.duration === null ? 'no start time' : formatMs(row.duration);
}

function traceDuration(timeline) {
  if (timeline.inProgress) return 'in progress';
  return timeline.duration === undefined || timeline.duration === null ? 'no start time' : formatMs(timeline.duration);
}

/** "Type: message", or what of it was recorded (src/traces/segments.ts describeException). */
function describeException(exception) {
  if (exception.type && exception.message) return exception.type + ': ' + exception.message;
  return exception.type || exception.message || (exception.id ? 'exception ' + exception.id : 'exception without type, message or id');
}

function statusOfHttp(status) {
  if (status >= 500) return 'fault';
  if (status === 429) return 'throttle';
  if (status >= 400) return 'error';
  return 'ok';
}

function selectedFromHash() {
  const match = /trace=([^&]+)/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

async function getJson(url, options) {
  const response = await fetch(url, Object.assign({ cache: 'no-store' }, options));
  return { status: response.status, body: await response.json() };
}

async function refresh() {
  try {
    const { body } = await getJson('/_traces/api/state?since=' + state.version);
    if (!body.unchanged) {
      state.data = body;
      state.version = body.version;
      renderState();
    }
  } catch (error) {
    document.getElementById('map-caption').textContent = 'dev server unreachable (' + error.message + ')';
  }
}

async function poll() {
  await refresh();
  setTimeout(poll, 1000);
}

function renderState() {
  const data = state.data;
  document.getElementById('project-name').textContent = data.project.name + ' / ' + data.project.stage;
  document.title = 'Traces · ' + data.project.name;

  const notes = document.getElementById('notes');
  notes.replaceChildren(...data.notes.map((note) => h('p', {}, note)));
  notes.hidden = data.notes.length === 0;

  const control = document.getElementById('sns-control');
  control.hidden = !data.sns.enabled;
  if (data.sns.enabled) {
    const failing = Boolean(data.sns.failing);
    const badge = document.getElementById('sns-state');
    badge.className = 'badge ' + (failing ? 'fault' : 'ok');
    badge.textContent = failing ? 'SNS failing: ' + data.sns.failing.status + ' ' + data.sns.failing.code : 'SNS ok · ' + data.sns.published + ' published';
    const button = document.getElementById('sns-toggle');
    button.textContent = failing ? 'Restore SNS' : 'Make SNS fail';
    button.className = failing ? '' : 'danger';
    button.onclick = async () => {
      await fetch(failing ? '/_sns/ok' : '/_sns/fail', { method: 'POST' });
      await refresh();
    };
  }

  renderMap(data.map);
  renderRequests(data.requests);
  renderRoutes(data.routes, data.defaultRule, data.project);

  const wanted = selectedFromHash() || (data.requests.find((request) => request.sampled && request.done) || {}).traceId || null;
  if (wanted && (wanted !== state.selected || state.traceVersion !== state.version)) loadTrace(wanted);
}

function renderRequests(requests) {
  const body = document.querySelector('#requests tbody');
  if (requests.length === 0) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No requests yet.')));
    return;
  }
  body.replaceChildren(
    ...requests.map((request) => {
      const classes = ['request'];
      if (!request.sampled) classes.push('unsampled');
      if (request.traceId === state.selected) classes.push('selected');
      const sampling = request.sampling ? request.sampling.rule + ', ' + request.sampling.reason : 'no trace';
      const problem = request.failing ? (request.failingStatus === 'fault' ? 'failing: ' : request.failingStatus + ': ') + request.failing : request.note || '';
      return h(
        'tr',
        {
          class: classes.join(' '),
          'data-trace-id': request.traceId,
          onclick: request.sampled ? () => (location.hash = 'trace=' + encodeURIComponent(request.traceId)) : undefined,
        },
        h('td', {}, new Date(request.time).toLocaleTimeString()),
        h('td', { class: 'mono' }, request.method + ' ' + request.path),
        h('td', { class: 'status-' + statusOfHttp(request.status) }, String(request.status)),
        h('td', {}, formatMs(request.durationMs), request.coldStart ? h('span', { class: 'cold', title: 'a new execution environment loaded the function first' }, 'cold start') : null),
        h('td', { class: 'mono' }, request.traceId),
        h('td', { class: 'sampling', title: sampling }, request.sampled ? 'sampled' : 'not sampled'),
        h('td', { class: 'problem status-' + (request.failingStatus || 'error'), title: problem }, problem),
      );
    }),
  );
}

function renderRoutes(routes, defaultRule, project) {
  const body = document.querySelector('#routes tbody');
  body.replaceChildren(
    ...routes.map((route) => {
      const rule = route.rule || defaultRule;
      const text = project.apiTracing
        ? rule.ruleName + ': ' + rule.reservoirSize + '/s, then ' + Math.round(rule.fixedRate * 1000) / 10 + '%' + (route.rule ? '' : ' (API default rule)')
        : 'stage tracing off: ' + (project.tracingMode === 'Active' ? "Lambda's default, 1/s then 5%" : 'PassThrough, nothing recorded');
      return h('tr', {}, h('td', { class: 'mono' }, route.method + ' ' + route.path), h('td', { class: 'mono' }, route.functionName), h('td', {}, text));
    }),
  );
}

function worstStatus(node) {
  if (node.faults > 0) return 'fault';
  if (node.throttles > 0) return 'throttle';
  if (node.errors > 0) return 'error';
  return 'ok';
}

function shortType(type) {
  return { client: 'client', unrecorded: 'not in the traces', 'AWS::ApiGateway::Stage': 'API Gateway stage', 'AWS::Lambda::Function': 'Lambda function', 'AWS::Lambda': 'Lambda' }[type] || type;
}

function renderMap(map) {
  const container = document.getElementById('map');
  document.getElementById('map-caption').textContent = map.traces + ' recent trace' + (map.traces === 1 ? '' : 's');
  if (map.nodes.length === 0) {
    container.replaceChildren(h('p', { class: 'empty' }, 'No traces yet: send a request to the API.'));
    return;
  }
  const columns = [];
  for (const node of map.nodes) (columns[node.depth] = columns[node.depth] || []).push(node);
  const columnWidth = 210;
  const rowHeight = 120;
  const rows = Math.max(...columns.map((column) => (column ? column.length : 0)));
  const width = columns.length * columnWidth + 20;
  const height = rows * rowHeight + 10;
  const position = new Map();
  columns.forEach((column, depth) =>
    (column || []).forEach((node, index) => {
      const offset = ((rows - column.length) * rowHeight) / 2;
      position.set(node.id, { x: 30 + depth * columnWidth + 80, y: offset + index * rowHeight + 40 });
    }),
  );
  const radius = 24;
  const edges = map.edges.map((edge) => {
    const from = position.get(edge.from);
    const to = position.get(edge.to);
    if (!from || !to) return null;
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    const length = Math.hypot(dx, dy) || 1;
    const [x1, y1] = [from.x + (dx / length) * (radius + 4), from.y + (dy / length) * (radius + 4)];
    const [x2, y2] = [to.x - (dx / length) * (radius + 8), to.y - (dy / length) * (radius + 8)];
    const label = edge.requests + (edge.faults ? ' · ' + edge.faults + ' fault' + (edge.faults === 1 ? '' : 's') : '');
    return h(
      'g',
      { class: 'edge' + (edge.faults ? ' fault' : ''), 'data-from': edge.from, 'data-to': edge.to },
      h('line', { x1, y1, x2, y2, 'marker-end': edge.faults ? 'url(#arrow-fault)' : 'url(#arrow)' }),
      h('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 6 }, label),
    );
  });
  const nodes = map.nodes.map((node) => {
    const { x, y } = position.get(node.id);
    const problems = [];
    if (node.faults) problems.push(node.faults + ' fault' + (node.faults === 1 ? '' : 's'));
    if (node.errors) problems.push(node.errors + ' error' + (node.errors === 1 ? '' : 's'));
    if (node.throttles) problems.push(node.throttles + ' throttled');
    const name = node.name.length > 28 ? node.name.slice(0, 27) + '…' : node.name;
    return h(
      'g',
      {
        class: 'node ' + worstStatus(node),
        'data-name': node.name,
        'data-type': node.type,
        'data-requests': node.requests,
        'data-faults': node.faults,
      },
      h('title', {}, node.name + ' (' + node.type + '): ' + node.requests + ' requests' + (problems.length ? ', ' + problems.join(', ') : '')),
      h('circle', { cx: x, cy: y, r: radius }),
      h('text', { class: 'count', x, y }, String(node.requests)),
      h('text', { class: 'name', x, y: y + radius + 16 }, name),
      h('text', { class: 'type', x, y: y + radius + 30 }, shortType(node.type)),
      problems.length ? h('text', { class: 'faults', x, y: y + radius + 44 }, problems.join(', ')) : null,
    );
  });
  const arrow = (id, color) =>
    h('marker', { id, viewBox: '0 0 10 10', refX: 8, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, h('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: color }));
  container.replaceChildren(
    h('svg', { width, height, viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'service map' }, h('defs', {}, arrow('arrow', '#9aa5b1'), arrow('arrow-fault', '#d93025')), edges, nodes),
  );
}

async function loadTrace(traceId) {
  state.selected = traceId;
  state.traceVersion = state.version;
  for (const row of document.querySelectorAll('#requests tr.request')) row.classList.toggle('selected', row.dataset.traceId === traceId);
  const { status, body } = await getJson('/_traces/api/traces/' + encodeURIComponent(traceId));
  if (state.selected !== traceId) return;
  const caption = document.getElementById('trace-caption');
  const container = document.getElementById('trace');
  if (status !== 200) {
    caption.textContent = traceId;
    container.replaceChildren(h('p', { class: 'empty' }, body.message));
    return;
  }
  caption.textContent = traceId;
  renderTimeline(container, body.timeline, body.request, body.logs);
}

function renderTimeline(container, timeline, request, logs) {
  const total = timeline.span || 1;
  const http = timeline.http || {};
  const asked = request ? request.method + ' ' + request.path : [http.method, http.url].filter(Boolean).join(' ');
  const answered = request ? request.status : http.status;
  const head = h(
    'div',
    { class: 'trace-head' },
    timeline.entry ? h('strong', { class: 'entry' }, timeline.entry) : null,
    asked ? h('span', { class: 'mono' }, asked) : null,
    h('span', { class: 'status-' + timeline.status }, answered !== undefined ? String(answered) + ' · ' : '', timeline.status.toUpperCase()),
    h('span', { class: 'trace-duration' }, ' · ' + traceDuration(timeline)),
    timeline.failing ? h('span', { class: 'flag' }, 'failing: ' + timeline.failing.name) : null,
  );
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => h('span', { style: 'left:' + fraction * 100 + '%' }, formatMs(total * fraction)));
  const cells = [h('div', { class: 'label' }, h('strong', {}, 'segment')), h('div', { class: 'axis' }, ticks), h('div', { class: 'duration' }, 'duration')];
  for (const row of timeline.rows) {
    const failing = row.failing ? ' failing' : '';
    const kind = row.origin || (row.namespace ? row.namespace : '');
    const attributes = {
      'data-name': row.name,
      'data-origin': row.origin,
      'data-status': row.status,
      'data-failing': row.failing ? 'true' : 'false',
      'data-orphan': row.orphan ? 'true' : 'false',
      'data-depth': row.depth,
    };
    const timed = row.start !== undefined && row.start !== null && row.until !== undefined && row.until !== null;
    const left = timed ? (row.start / total) * 100 : 0;
    const width = timed ? ((row.until - row.start) / total) * 100 : 0;
    cells.push(
      h(
        'div',
        Object.assign({ class: 'label' + failing, style: 'padding-left:' + (6 + row.depth * 16) + 'px' }, attributes),
        h('span', { class: 'name' }, row.name + (row.operation && row.operation !== row.name ? ' ' + row.operation : '')),
        h('span', { class: 'kind' }, kind),
        row.status !== 'ok' ? h('span', { class: 'flag status' }, row.status + (row.httpStatus ? ' ' + row.httpStatus : '')) : null,
        row.orphan ? h('span', { class: 'flag orphan', title: 'its parent was not recorded, or not received yet' }, 'parent ' + row.parentId + ' not in this trace') : null,
        row.failing ? h('span', { class: 'flag', title: 'where the failure started' }, 'failing') : null,
      ),
      h(
        'div',
        { class: 'track' + failing },
        timed
          ? h('div', {
              class: 'bar ' + row.status + (row.inProgress ? ' progress' : ''),
              style: 'left:' + left.toFixed(2) + '%;width:' + Math.max(width, 0.3).toFixed(2) + '%',
              title: row.name + ': ' + rowDuration(row) + ' from ' + formatMs(row.start),
            })
          : null,
      ),
      h('div', { class: 'duration' + failing }, rowDuration(row)),
    );
    const cause = row.cause || {};
    if (cause.note) cells.push(h('div', { class: 'exception cause-note', 'data-exception-of': row.name }, 'cause: ' + cause.note));
    for (const exception of row.exceptions) {
      cells.push(
        h(
          'div',
          { class: 'exception', 'data-exception-of': row.name },
          h('strong', {}, describeException(exception)),
          exception.remote ? ' (remote: the error came from the service called)' : '',
          exception.stack.length ? h('details', {}, h('summary', {}, 'stack'), h('pre', {}, exception.stack.join('\n'))) : null,
        ),
      );
    }
    if (cause.workingDirectory || (cause.paths && cause.paths.length)) {
      cells.push(
        h(
          'div',
          { class: 'exception cause-context', 'data-exception-of': row.name },
          cause.workingDirectory ? 'in ' + cause.workingDirectory : '',
          cause.paths && cause.paths.length ? (cause.workingDirectory ? ' · ' : '') + 'paths: ' + cause.paths.join(', ') : '',
        ),
      );
    }
  }
  const logLines = (logs || []).map((line) => (typeof line === 'string' ? line : JSON.stringify(line)));
  const parts = [head, h('div', { class: 'timeline' }, cells)];
  if (logLines.length) parts.push(h('div', { class: 'logs' }, h('strong', {}, 'Logs of this trace'), h('pre', {}, logLines.join('\n'))));
  container.replaceChildren(...parts);
}

window.addEventListener('hashchange', () => {
  const wanted = selectedFromHash();
  if (wanted) loadTrace(wanted);
});
poll();
