// Coloured labels for severities and states; the text is always there (colour is never the only signal).
export function Badge({ value, kind }: { value: string | null | undefined; kind: 'sev' | 'state' | 'step' }) {
  const v = value ?? 'UNKNOWN';
  return <span className={`badge ${kind}-${v.toLowerCase()}`}>{v.replace(/_/g, ' ')}</span>;
}
