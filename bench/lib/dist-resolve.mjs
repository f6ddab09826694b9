// Module resolve hooks (registered by dist-hook.mjs): a file under the
// repository's dist/ is loaded from the run's copy instead.
let from;
let to;

export function initialize(data) {
  ({ from, to } = data);
}

export function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) {
    const url = new URL(specifier, context.parentURL).href;
    if (url.startsWith(from)) return nextResolve(to + url.slice(from.length), context);
  }
  return nextResolve(specifier, context);
}
