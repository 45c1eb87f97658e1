/** What the UI server publishes at `/config.json` for the dashboard (same origin as the page). */
export interface PublicConfig {
  /** Base URL of the REST API, e.g. `http://localhost:5000` (another origin: CORS). */
  apiUrl: string;
  /** Base URL of the Temporal Web UI, e.g. `http://localhost:8233`. */
  temporalUiUrl: string;
  namespace: string;
}

export async function loadPublicConfig(fetchImpl: typeof fetch = fetch): Promise<PublicConfig> {
  const res = await fetchImpl('/config.json', { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`GET /config.json answered ${res.status}`);
  const body = (await res.json()) as Partial<PublicConfig>;
  if (typeof body.apiUrl !== 'string' || body.apiUrl === '') throw new Error('/config.json has no apiUrl');
  return {
    apiUrl: body.apiUrl.replace(/\/+$/, ''),
    temporalUiUrl: (body.temporalUiUrl ?? '').replace(/\/+$/, ''),
    namespace: body.namespace || 'default',
  };
}

/** The payment's workflow in the Temporal Web UI, as the API builds it (`payment:<id>`). */
export function workflowLink(config: PublicConfig, paymentId: string, workflowId?: string | null): string {
  const wf = workflowId ?? `payment:${paymentId}`;
  return `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(wf)}`;
}

/** Any workflow (e.g. a settlement run, `settlement:<periodEnd>`) in the Temporal Web UI. */
export function temporalWorkflowLink(config: PublicConfig, workflowId: string): string {
  return `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The namespace's Schedules page, where the settlement schedule can be paused or triggered. */
export function schedulesLink(config: PublicConfig): string {
  return `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.namespace)}/schedules`;
}
