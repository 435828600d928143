/** A carrier's webhook secret by carrier name; undefined for a carrier that is not configured. */
export type CarrierSecrets = (carrier: string) => Promise<string | undefined>;
