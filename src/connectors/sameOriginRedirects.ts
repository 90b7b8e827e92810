// Partner requests carry credentials in headers (Authorization, but also templated
// ones like x-api-key). fetch follows redirects by itself and strips only
// Authorization when the origin changes, so a partner (or whoever controls a
// redirect it answers) could send a templated key to any host. This fetch never
// lets the runtime follow a redirect: it follows same-origin redirects of GET and
// HEAD itself, with the same headers, and hands any other redirect back
// unfollowed, which partnerRequest answers as a permanent partner error (3xx).
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function urlOf(input: Parameters<typeof fetch>[0]): URL {
  return new URL(input instanceof Request ? input.url : String(input));
}

export function sameOriginRedirects(http: typeof fetch): typeof fetch {
  return async (input, init) => {
    let url = urlOf(input);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    let res = await http(input, { ...init, redirect: 'manual' });
    for (let hops = 0; hops < MAX_REDIRECTS && REDIRECT_STATUSES.has(res.status); hops++) {
      const location = res.headers.get('location');
      if (!location || (method !== 'GET' && method !== 'HEAD')) return res;
      const next = new URL(location, url);
      if (next.origin !== url.origin) return res;
      await res.body?.cancel();
      url = next;
      res = await http(input instanceof Request ? new Request(url, input) : url, { ...init, redirect: 'manual' });
    }
    return res;
  };
}
