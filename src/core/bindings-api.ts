/**
 * Where irsa's service-account → role bindings are served, and the SigV4 service name requests to
 * it are signed for: the contract between the server that answers (server/bindings.ts) and
 * `irsa apply --endpoint` (config/remote-target.ts).
 */
export const BINDINGS_PATH = '/irsa/v1/bindings'
export const BINDINGS_SERVICE = 'irsa'
