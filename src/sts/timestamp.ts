/** AWS Query timestamps: `YYYY-MM-DDTHH:MM:SSZ`, UTC, no fraction (JS v3 rejects other forms). */
export function awsTimestamp(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
