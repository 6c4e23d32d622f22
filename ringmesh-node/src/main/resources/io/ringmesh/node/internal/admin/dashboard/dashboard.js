// Ringmesh node dashboard: polls the admin server's /api endpoints once a second and redraws.
// Plain DOM, no framework, no build step, nothing from another origin. Every value from the API
// goes into the page as textContent or an attribute, never as markup.
'use strict';

(function () {
  const POLL_MS = 1000;
  const LOCK_LIMIT = 50;
  const HISTORY = 60;
  const SVG = 'http://www.w3.org/2000/svg';
  const PALETTE = ['#58a6ff', '#3fb950', '#d29922', '#bc8cff', '#39c5cf', '#ff7b72',
    '#f778ba', '#a5d6ff', '#7ee787', '#ffa657'];

  const state = {
    selectedService: null,
    rings: [],
    selfId: null,
    rateHistory: new Map(), // nodeId -> recent requests/s, oldest first
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) e.setAttribute(k, String(v));
    }
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }

  function cell(row, text, cls) {
    const td = el('td', cls ? { class: cls } : {}, text);
    row.appendChild(td);
    return td;
  }

  // A node keeps its colour across polls and across rings.
  function colorOf(nodeId) {
    let h = 0;
    for (let i = 0; i < nodeId.length; i++) h = (h * 31 + nodeId.charCodeAt(i)) >>> 0;
    return PALETTE[h % PALETTE.length];
  }

  async function getJson(path) {
    const response = await fetch(path, { cache: 'no-store' });
    if (!response.ok) throw new Error(path + ' answered ' + response.status);
    return response.json();
  }

  // ---- header ----

  function renderSelf(node) {
    state.selfId = node.nodeId;
    $('node-id').textContent = node.nodeId;
    document.title = 'Ringmesh ' + node.nodeId;
    const roles = $('node-roles');
    roles.replaceChildren(...node.roles.map((r) => el('span', {}, r)));
    const ready = $('readiness');
    ready.dataset.ready = String(node.ready);
    ready.textContent = node.ready ? 'ready' : 'not ready';
    ready.title = node.reason;
  }

  function renderConnection(ok, message) {
    $('connection').dataset.connected = String(ok);
    $('updated').textContent = ok
      ? 'updated ' + new Date().toLocaleTimeString()
      : 'disconnected: ' + message;
  }

  // ---- ring ----

  function point(angle, r) {
    return [160 + r * Math.cos(angle), 160 + r * Math.sin(angle)];
  }

  function arcPath(start, end, r) {
    const [x0, y0] = point(start, r);
    const [x1, y1] = point(end, r);
    const large = end - start > Math.PI ? 1 : 0;
    return `M ${x0.toFixed(2)} ${y0.toFixed(2)} A ${r} ${r} 0 ${large} 1 ${x1.toFixed(2)} ${y1.toFixed(2)}`;
  }

  function renderRingChoices(rings) {
    const select = $('ring-service');
    const names = rings.map((r) => r.service);
    const current = Array.from(select.options).map((o) => o.value);
    if (names.join('\u0000') !== current.join('\u0000')) {
      select.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
    }
    if (!names.includes(state.selectedService)) state.selectedService = names[0] || null;
    if (state.selectedService !== null) select.value = state.selectedService;
  }

  function renderRing() {
    const rings = state.rings;
    renderRingChoices(rings);
    const ring = rings.find((r) => r.service === state.selectedService);
    const arcs = $('ring-arcs');
    const legend = $('ring-legend');
    $('ring-empty').hidden = rings.length > 0;
    $('ring').dataset.service = ring ? ring.service : '';
    $('ring-center-service').textContent = ring ? ring.service : '';
    $('ring-center-algorithm').textContent = ring
      ? ring.algorithm + ' \u00b7 ' + ring.members.length + ' nodes'
      : '';
    if (!ring) {
      arcs.replaceChildren();
      legend.replaceChildren();
      return;
    }
    const total = ring.members.reduce((s, m) => s + m.share, 0) || 1;
    const gap = ring.members.length > 1 ? 0.012 : 0;
    let angle = -Math.PI / 2;
    const paths = [];
    const items = [];
    for (const m of ring.members) {
      const sweep = (m.share / total) * 2 * Math.PI;
      const attrs = {
        class: 'arc',
        'data-node-id': m.nodeId,
        'data-share': m.share,
        'data-healthy': String(m.healthy),
        stroke: colorOf(m.nodeId),
      };
      let shape;
      if (sweep >= 2 * Math.PI - 1e-6) {
        shape = svg('circle', Object.assign(attrs, { cx: 160, cy: 160, r: 120 }));
      } else if (sweep > gap) {
        shape = svg('path', Object.assign(attrs, { d: arcPath(angle + gap / 2, angle + sweep - gap / 2, 120) }));
      } else {
        // Too small to draw with a gap: a hairline, still present for the eye and for tests.
        shape = svg('path', Object.assign(attrs, { d: arcPath(angle, angle + Math.max(sweep, 0.002), 120) }));
      }
      const title = svg('title', {});
      title.textContent = `${m.nodeId}: ${(m.share * 100).toFixed(1)}% of keys, weight ${m.weight}` +
        (m.healthy ? '' : ', unhealthy');
      shape.appendChild(title);
      paths.push(shape);
      angle += sweep;

      const li = el('li', { 'data-node-id': m.nodeId, 'data-healthy': String(m.healthy) });
      const swatch = svg('svg', { class: 'swatch', viewBox: '0 0 12 12' });
      swatch.appendChild(svg('rect', { width: 12, height: 12, rx: 3, fill: m.healthy ? colorOf(m.nodeId) : '#6e3a3a' }));
      li.appendChild(swatch);
      li.appendChild(el('span', { class: 'name mono' }, m.nodeId));
      li.appendChild(el('span', { class: 'muted' }, 'w ' + m.weight));
      li.appendChild(el('span', { class: 'share' }, (m.share * 100).toFixed(1) + '%'));
      items.push(li);
    }
    arcs.replaceChildren(...paths);
    legend.replaceChildren(...items);
  }

  // ---- nodes ----

  function ago(epochMillis) {
    const s = Math.max(0, (Date.now() - epochMillis) / 1000);
    if (s < 60) return s.toFixed(1) + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    return Math.floor(s / 3600) + ' h ago';
  }

  function sparkline(values) {
    const w = 90;
    const h = 22;
    const s = svg('svg', { class: 'spark', viewBox: `0 0 ${w} ${h}`, 'aria-hidden': 'true' });
    if (values.length < 2) return s;
    const max = Math.max(...values, 1);
    const step = w / (HISTORY - 1);
    const offset = (HISTORY - values.length) * step;
    const pts = values.map((v, i) =>
      `${(offset + i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`);
    s.appendChild(svg('polyline', { points: pts.join(' ') }));
    return s;
  }

  function renderNodes(nodes) {
    const seen = new Set();
    const rows = nodes.map((n) => {
      seen.add(n.nodeId);
      const history = state.rateHistory.get(n.nodeId) || [];
      history.push(n.requestsPerSecond);
      if (history.length > HISTORY) history.shift();
      state.rateHistory.set(n.nodeId, history);

      const tr = el('tr', {
        'data-node-id': n.nodeId,
        'data-healthy': String(n.healthy),
        'data-self': String(n.nodeId === state.selfId),
      });
      cell(tr, n.nodeId, 'mono');
      cell(tr, [...n.roles].sort().join(', '), 'muted');
      cell(tr, n.rpcAddress, 'mono');
      const admin = cell(tr, n.adminAddress ? '' : '\u2014', 'mono');
      if (n.adminAddress) {
        admin.appendChild(el('a', { href: 'http://' + n.adminAddress + '/', rel: 'noopener' }, n.adminAddress));
      }
      const health = cell(tr, '');
      health.appendChild(el('span', { class: 'pill', 'data-healthy': String(n.healthy) },
        n.healthy ? 'healthy' : 'unhealthy'));
      const rate = cell(tr, n.requestsPerSecond.toFixed(1), 'num');
      rate.dataset.rate = String(n.requestsPerSecond);
      cell(tr, '').appendChild(sparkline(history));
      cell(tr, ago(n.lastSeenEpochMillis), 'num muted');
      return tr;
    });
    for (const id of state.rateHistory.keys()) if (!seen.has(id)) state.rateHistory.delete(id);
    $('nodes').tBodies[0].replaceChildren(...rows);
    const healthy = nodes.filter((n) => n.healthy).length;
    $('nodes-summary').textContent = `${healthy} of ${nodes.length} healthy`;
  }

  // ---- shards and locks ----

  function renderShards(shards) {
    const rows = shards.map((s) => {
      const tr = el('tr', { 'data-shard': s.shard, 'data-leader': s.leaderId || '' });
      cell(tr, s.shard, 'num');
      if (s.leaderId) cell(tr, s.leaderId, 'mono');
      else cell(tr, 'no leader', 'none');
      cell(tr, s.replicaIds.join(', '), 'mono muted');
      return tr;
    });
    $('shards').tBodies[0].replaceChildren(...rows);
    const leaderless = shards.filter((s) => !s.leaderId).length;
    $('shards-summary').textContent = `${shards.length} shards` +
      (leaderless ? `, ${leaderless} without a leader` : '');
  }

  function renderLocks(locks) {
    const rows = locks.map((l) => {
      const tr = el('tr', {
        'data-lock-name': l.name,
        'data-holder': l.holder,
        'data-token': l.token,
        'data-waiters': l.waiters.length,
      });
      cell(tr, l.name, 'mono');
      cell(tr, l.holder, 'mono');
      cell(tr, l.token, 'num');
      const waiters = cell(tr, l.waiters.length ? '' : '\u2014', 'muted');
      for (const w of l.waiters) waiters.appendChild(el('span', { class: 'waiter mono' }, w));
      return tr;
    });
    $('locks').tBodies[0].replaceChildren(...rows);
    $('locks-summary').textContent = locks.length === LOCK_LIMIT
      ? `first ${LOCK_LIMIT} held locks`
      : `${locks.length} held`;
  }

  // ---- polling ----

  async function poll() {
    try {
      const [node, ring, nodes, shards, locks] = await Promise.all([
        getJson('api/node'),
        getJson('api/ring'),
        getJson('api/nodes'),
        getJson('api/shards'),
        getJson('api/locks?limit=' + LOCK_LIMIT),
      ]);
      renderSelf(node);
      state.rings = ring.rings;
      renderRing();
      renderNodes(nodes.nodes);
      renderShards(shards.shards);
      renderLocks(locks.locks);
      renderConnection(true);
      document.body.dataset.loaded = 'true';
    } catch (e) {
      renderConnection(false, e.message);
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  $('ring-service').addEventListener('change', (e) => {
    state.selectedService = e.target.value;
    renderRing();
  });

  poll();
})();
