import { request } from 'undici';

export const TEST_API_KEY = 'sk-test-3f9d2c7b1a5e4d6f8a0b';

export async function postLegacy(baseUrl: string, imageRequest: unknown, key: string | null = TEST_API_KEY) {
  const response = await request(`${baseUrl}/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'Api-Key': key }) },
    body: JSON.stringify({ image_request: imageRequest }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: safeJson(text) };
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
