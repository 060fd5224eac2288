/** The JSON Patch operations the webhook emits (RFC 6902): only `add`, never a replace or remove. */
export interface JsonPatchOp {
  readonly op: 'add'
  /** A JSON pointer (RFC 6901); `-` appends to an array. */
  readonly path: string
  readonly value: unknown
}
