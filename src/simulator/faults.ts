import type { ServerResponse } from 'node:http';
import type { SimulatedRequest } from '../runbooks/tooling/index.ts';
import type { EndpointBehavior } from './scenarios.ts';
import type { RecordedRequest, SimulatorState } from './state.ts';

function pickLatency(latency: EndpointBehavior['latencyMs'], fallback: [number, number]): number {
  const [min, max] = latency === undefined ? fallback : typeof latency === 'number' ? [latency, latency] : latency;
  return min === max ? min : min + Math.random() * (max - min);
}

/**
 * Waits the phase's latency, then plays its fault if it has one; true when the fault answered (or
 * hung) the request.
 */
export async function applyBehavior(
  state: SimulatorState,
  res: ServerResponse,
  behavior: EndpointBehavior | undefined,
  fallback: [number, number],
  record: RecordedRequest,
): Promise<boolean> {
  const delay = pickLatency(behavior?.latencyMs, fallback) * state.settings.latencyScale;
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  const fault = behavior?.fault;
  if (!fault) return false;
  record.fault = fault;
  switch (fault) {
    case 'hang':
      state.hung.add(res);
      res.on('close', () => state.hung.delete(res));
      return true;
    case 'reset':
      res.socket?.destroy();
      return true;
    case 'html':
      res.writeHead(behavior.status ?? 502, { 'content-type': 'text/html' });
      res.end(
        '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>',
      );
      return true;
    case 'truncated': {
      // Half of a genuine success body: starts like one, never parses.
      const sample: SimulatedRequest = { units: 1, latencyMs: [0, 0], fields: { prompt: 'x' } };
      const text = JSON.stringify(
        state.profile.success(record.endpoint, sample, {
          fileUrl: () => `${state.baseUrl}/files/x`,
          now: new Date(state.settings.now()),
        }),
      );
      res.writeHead(behavior.status ?? 200, { 'content-type': 'application/json' });
      res.end(text.slice(0, Math.floor(text.length / 2)));
      return true;
    }
  }
}
