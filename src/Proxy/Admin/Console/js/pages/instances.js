// Instance health: every instance of the cluster (GET /instances) and this one in detail (GET /instance, /readyz).

import { api, ApiError } from '../api.js';
import { clear, h, table } from '../dom.js';
import { bytes, duration, instant } from '../format.js';

function yesNo(ok, yes, no) {
  return h('span', { class: `badge ${ok ? 'ok' : 'bad'}` }, ok ? yes : no);
}

export async function render(view, params, ctx) {
  const cluster = h('div');
  const local = h('div');
  const refresh = h('button', { type: 'button', on: { click: () => load() } }, 'Refresh');
  view.append(
    h('div', { class: 'toolbar' }, h('h1', null, 'Instances'), refresh),
    h('section', null, h('h2', null, 'Cluster'), cluster),
    h('section', { class: 'panel' }, h('h2', null, 'This instance (the one serving this console)'), local));

  async function load() {
    ctx.showError(null);
    await Promise.all([loadCluster(), loadLocal()]);
  }

  async function loadCluster() {
    try {
      const result = await api('GET', '/instances');
      const now = Date.now();
      clear(cluster).appendChild(table({
        testid: 'instances-table',
        rowTestid: (i) => `instance-row-${i.instance_id}`,
        rows: result.instances || [],
        columns: [
          { label: 'Instance', value: (i) => h('code', null, i.instance_id) },
          { label: 'Ready', value: (i) => yesNo(i.ready, 'ready', 'not ready') },
          { label: 'Redis', value: (i) => yesNo(i.redis_connected, 'connected', 'down') },
          { label: 'Live sessions', numeric: true, value: (i) => i.live_sessions },
          { label: 'Spool pending', numeric: true, value: (i) => bytes(i.spool_pending_bytes) },
          { label: 'Started (UTC)', value: (i) => instant(i.started_at_ms) },
          { label: 'Last seen', value: (i) => [instant(i.last_seen_ms), ' ', h('span', { class: 'muted' }, `(${duration(Math.max(0, now - i.last_seen_ms))} ago)`)] },
          { label: 'State', value: (i) => (i.stale ? h('span', { class: 'badge warn' }, 'stale') : h('span', { class: 'badge ok' }, 'reporting')) },
        ],
      }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        clear(cluster).appendChild(h('p', { class: 'muted' }, 'This gateway version has no cluster list (GET /admin/v1/instances); this instance is shown below.'));
      } else {
        clear(cluster);
        ctx.showError(e);
      }
    }
  }

  async function loadLocal() {
    let readiness;
    try {
      const response = await fetch('/readyz', { cache: 'no-store', credentials: 'omit' });
      readiness = { ok: response.ok, text: (await response.text()).trim() };
    } catch (e) {
      readiness = { ok: false, text: e.message };
    }
    try {
      const i = await api('GET', '/instance');
      clear(local).appendChild(h('dl', { class: 'facts' },
        h('dt', null, 'Instance'), h('dd', null, h('code', null, i.instance_id)),
        h('dt', null, 'Ready (/readyz)'), h('dd', null, yesNo(readiness.ok, 'ready', 'not ready'), ' ', h('code', { class: 'muted' }, readiness.text)),
        h('dt', null, 'Redis'), h('dd', null, yesNo(i.redis_connected, 'connected', 'down')),
        h('dt', null, 'Live sessions'), h('dd', null, String(i.live_sessions)),
        h('dt', null, 'Spool'), h('dd', null, `${bytes(i.spool_pending_bytes)} pending in `, h('code', null, i.spool_directory)),
        h('dt', null, 'Environment'), h('dd', null, i.environment),
        h('dt', null, 'Upstream'), h('dd', null, h('code', null, i.upstream_url)),
        h('dt', null, 'Configuration files'), h('dd', null, (i.config_files || []).map((f) => h('div', null, h('code', null, f))))));
    } catch (e) {
      clear(local);
      ctx.showError(e);
    }
  }

  await load();
}
