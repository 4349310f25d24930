/** A console's or worker's `GET /metrics`, from this (loopback) machine, with an optional bearer token. */
export async function scrape(url: string, token?: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, text: await response.text() };
}

/**
 * The value of one sample in Prometheus' text format: `name` with exactly these labels (in the
 * order prom-client writes them), or null when absent.
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  const rendered =
    Object.keys(labels).length === 0
      ? ''
      : `{${Object.entries(labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')}}`;
  const line = text.split('\n').find((l) => l.startsWith(`${name}${rendered} `));
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Every sample of `name`, whatever its labels, summed (0 when there is none). */
export function total(text: string, name: string): number {
  return totalWhere(text, name, {});
}

/**
 * Every sample of `name` that carries all of `labels` among its own (in any order, others allowed),
 * summed (0 when there is none).
 */
export function totalWhere(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || (wanted.length === 0 && l.startsWith(`${name} `)))
    .filter((l) => {
      const rendered = l.slice(name.length + 1, l.lastIndexOf('}')).split(',');
      return wanted.every((w) => rendered.includes(w));
    })
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
